//! The process's own figures, read from `/proc/self` at each scrape (Linux; elsewhere none):
//! resident memory and open file descriptors, with the limit the server sized its connection
//! cap from. Named as Prometheus's own client libraries name them, so the usual dashboards
//! and alerts apply.

/// What the process uses now.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ProcessStats {
    pub resident_bytes: Option<u64>,
    pub open_fds: Option<u64>,
    pub max_fds: Option<u64>,
}

impl ProcessStats {
    /// Reads them; a figure the system does not give is `None`.
    pub fn read() -> ProcessStats {
        ProcessStats {
            resident_bytes: std::fs::read_to_string("/proc/self/status")
                .ok()
                .and_then(|status| resident_bytes(&status)),
            open_fds: std::fs::read_dir("/proc/self/fd")
                .ok()
                .map(|entries| entries.count() as u64),
            max_fds: rlimit::getrlimit(rlimit::Resource::NOFILE)
                .ok()
                .map(|(soft, _hard)| soft),
        }
    }
}

/// `VmRSS:    123456 kB` of `/proc/self/status`, in bytes.
fn resident_bytes(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kilobytes: u64 = line
        .trim_start_matches("VmRSS:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    kilobytes.checked_mul(1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resident_memory_is_read_from_vm_rss_in_kilobytes() {
        let status = "Name:\ttokenfare\nVmPeak:\t  900000 kB\nVmRSS:\t   51200 kB\nThreads:\t9\n";
        assert_eq!(resident_bytes(status), Some(51_200 * 1024));
        assert_eq!(resident_bytes("Name:\tx\n"), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn this_process_has_memory_and_open_files() {
        let stats = ProcessStats::read();
        assert!(stats.resident_bytes.is_some_and(|b| b > 1 << 20));
        // At least stdin, stdout, stderr and the directory listing itself.
        assert!(stats.open_fds.is_some_and(|n| n >= 3));
        assert!(
            stats
                .max_fds
                .is_some_and(|n| n >= stats.open_fds.unwrap_or(0))
        );
    }
}
