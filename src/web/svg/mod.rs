//! Charts drawn on the server as inline SVG, and what they share: scales, how numbers and
//! coordinates are written, and escaping. No script and no style attributes: every colour
//! and size comes from classes in the stylesheet, so charts follow dark mode.

pub mod scatter;
pub mod step;

use rust_decimal::Decimal;
use rust_decimal::prelude::FromPrimitive;

use super::format;

/// A coordinate in the viewBox: one decimal at most, none when it is whole.
pub fn n(value: f64) -> String {
    let rounded = (value * 10.0).round() / 10.0;
    if rounded == rounded.trunc() {
        format!("{rounded:.0}")
    } else {
        format!("{rounded:.1}")
    }
}

/// A base-10 logarithmic scale from whole decades `10^lo ..= 10^hi` onto `[from, to]`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LogScale {
    pub lo: i32,
    pub hi: i32,
    pub from: f64,
    pub to: f64,
}

impl LogScale {
    /// The smallest whole-decade range holding every positive finite value (at least one
    /// decade wide).
    pub fn covering(values: impl IntoIterator<Item = f64>, from: f64, to: f64) -> LogScale {
        let logs: Vec<f64> = values
            .into_iter()
            .filter(|v| v.is_finite() && *v > 0.0)
            .map(f64::log10)
            .collect();
        let min = logs.iter().copied().fold(f64::INFINITY, f64::min);
        let max = logs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let (mut lo, mut hi) = if min.is_finite() && max.is_finite() {
            (min.floor() as i32, max.ceil() as i32)
        } else {
            (-1, 1)
        };
        if hi <= lo {
            lo -= 1;
            hi += 1;
        }
        LogScale { lo, hi, from, to }
    }

    pub fn map(&self, value: f64) -> f64 {
        let span = f64::from(self.hi - self.lo);
        let log = if value.is_finite() && value > 0.0 {
            value.log10()
        } else {
            f64::from(self.lo)
        };
        let t = ((log - f64::from(self.lo)) / span).clamp(0.0, 1.0);
        self.from + t * (self.to - self.from)
    }

    /// Tick values: every decade, plus 2× and 5× steps when the range is a single decade.
    /// With many decades, every other decade, so tick labels keep their room.
    pub fn ticks(&self) -> Vec<f64> {
        let decades = self.hi - self.lo;
        let step = if decades > 6 { 2 } else { 1 };
        let mut ticks = Vec::new();
        let mut exp = self.lo;
        while exp <= self.hi {
            let base = 10f64.powi(exp);
            ticks.push(base);
            if decades == 1 && exp < self.hi {
                ticks.push(base * 2.0);
                ticks.push(base * 5.0);
            }
            exp += step;
        }
        ticks
    }
}

/// A linear scale from `[lo, hi]` onto `[from, to]`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LinearScale {
    pub lo: f64,
    pub hi: f64,
    pub step: f64,
    pub from: f64,
    pub to: f64,
}

impl LinearScale {
    /// A range of round steps (5, 10 or 20) holding every finite value.
    pub fn covering(values: impl IntoIterator<Item = f64>, from: f64, to: f64) -> LinearScale {
        let finite: Vec<f64> = values.into_iter().filter(|v| v.is_finite()).collect();
        let min = finite.iter().copied().fold(f64::INFINITY, f64::min);
        let max = finite.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let (min, max) = if min.is_finite() {
            (min, max)
        } else {
            (0.0, 100.0)
        };
        let step = match max - min {
            span if span <= 20.0 => 5.0,
            span if span <= 120.0 => 10.0,
            _ => 20.0,
        };
        let lo = (min / step).floor() * step;
        let mut hi = (max / step).ceil() * step;
        if hi <= lo {
            hi = lo + step;
        }
        LinearScale {
            lo,
            hi,
            step,
            from,
            to,
        }
    }

    /// From zero to a round step above `max`, in about four steps of 1, 2, 2.5 or 5 times a
    /// power of ten ([`nice_step`]).
    pub fn from_zero(max: f64, from: f64, to: f64) -> LinearScale {
        let step = nice_step(if max > 0.0 { max / 4.0 } else { 0.25 });
        let hi = (max / step).ceil().max(1.0) * step;
        LinearScale {
            lo: 0.0,
            hi,
            step,
            from,
            to,
        }
    }

    pub fn map(&self, value: f64) -> f64 {
        let t = ((value - self.lo) / (self.hi - self.lo)).clamp(0.0, 1.0);
        self.from + t * (self.to - self.from)
    }

    pub fn ticks(&self) -> Vec<f64> {
        let count = ((self.hi - self.lo) / self.step).round() as i64;
        (0..=count)
            .map(|i| self.lo + i as f64 * self.step)
            .collect()
    }
}

/// 1, 2, 2.5 or 5 times a power of ten, at least `raw`.
pub fn nice_step(raw: f64) -> f64 {
    let power = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|s| *s >= raw * 0.999)
        .unwrap_or(10.0 * power)
}

/// A dollar amount for a tick: `$0.10`, `$1`, `$10`, `$1,000`, `$0.001`.
pub fn dollars_tick(value: f64) -> String {
    if value >= 1.0 {
        format!("${}", format::count(value.round() as u64))
    } else {
        // Enough decimals to show the first significant digit, and at least two.
        let decimals = (-value.log10()).ceil().max(2.0) as usize;
        format!("${value:.decimals$}")
    }
}

/// Escapes text for SVG/XML content and attribute values (also used for the Atom feeds).
/// Characters XML 1.0 forbids (`Char` in §2.2: control characters other than newline and
/// tab, and the noncharacters U+FFFE and U+FFFF) are dropped, so a payload cannot make a
/// document ill-formed.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && !matches!(c, '\n' | '\t') => {}
            '\u{FFFE}' | '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// A dollar amount for an axis or tooltip, formatted like the rest of the site.
pub fn money_label(value: f64) -> String {
    Decimal::from_f64(value)
        .and_then(|d| d.round_sf(6))
        .map(format::usd)
        .unwrap_or_else(|| format!("${value}"))
}
