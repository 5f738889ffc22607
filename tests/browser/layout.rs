//! Flows 6 and 7 of issue 9, over every page: the phone layout and keyboard path, and a clean
//! console under the site's Content Security Policy. Both save screenshots.

use anyhow::{Result, ensure};
use serde::Deserialize;

use crate::env::{Device, PHONE_WIDTH, SharedEnv};

/// Every kind of page, with enough data on it to stretch the layout.
pub const PAGES: &[(&str, &str)] = &[
    ("home", "/"),
    ("models", "/models"),
    (
        "models-filtered",
        "/models?author=acme&author=globex&max_input=2&sort=output",
    ),
    ("model", "/models/globex/gamma"),
    ("model-alias", "/models/~globex/gamma-latest"),
    (
        "model-where-to-buy",
        "/models/globex/gamma?dc=EU&full_precision=1",
    ),
    ("providers", "/providers"),
    ("provider", "/providers/fastco"),
    (
        "calculator-bill-every-seller",
        "/calculator/bill?requests=100000&input_tokens=2000&output_tokens=500&cache_hit=50&ids=globex/gamma&sellers=all&dc=EU&id=globex/gamma",
    ),
    (
        "calculator",
        "/calculator?requests=100000&input_tokens=2000&output_tokens=500&cache_hit=50&batch=20&discount=10",
    ),
    (
        "calculator-error",
        "/calculator?requests=100000&input_tokens=2000&output_tokens=500&cache_hit=150",
    ),
    ("ranking", "/ranking"),
    ("changes", "/changes"),
    (
        "compare",
        "/compare?ids=acme/alpha,globex/gamma,initech/epsilon",
    ),
    ("usage", "/usage"),
    ("about", "/about"),
    ("guide", "/guide/why-prices-differ"),
    ("not-found", "/models/nobody/nothing"),
];

/// Pages answered with an error status on purpose: the console reports the status once.
fn expected_status_error(name: &str) -> bool {
    matches!(name, "calculator-error" | "not-found")
}

/// Flow 6: At 390 px nothing scrolls sideways but tables in their own boxes (whose rows keep to
/// their columns), and every control is reachable with Tab, in document order, with a visible
/// focus ring.
pub async fn phone_width_has_no_sideways_scroll_and_a_full_keyboard_path(
    env: SharedEnv,
) -> Result<()> {
    let s = env.session(Device::Phone).await?;
    let mut failures = Vec::new();
    let mut stops = 0;
    for (name, path) in PAGES {
        s.open(&env, path).await?;
        // Before the Tab walk, which scrolls the page and the table boxes.
        s.screenshot(&env, name).await?;
        let overflow = s.horizontal_overflow(PHONE_WIDTH).await?;
        let phone = f64::from(PHONE_WIDTH);
        if overflow.scroll_width > phone || overflow.inner_width != phone {
            failures.push(format!(
                "{path}: the page is {} px wide on a {PHONE_WIDTH} px phone (viewport {} px)",
                overflow.scroll_width, overflow.inner_width
            ));
        }
        for offender in &overflow.offenders {
            failures.push(format!("{path}: {offender} sticks out of the window"));
        }
        for problem in s.misaligned_tables().await? {
            failures.push(format!("{path}: {problem}"));
        }
        let walk = s.walk_tab_order().await?;
        stops += walk.stops.len();
        ensure!(
            walk.expected.len() > 3,
            "{path}: only {} controls found",
            walk.expected.len()
        );
        for problem in walk.problems() {
            failures.push(format!("{path}: {problem}"));
        }
    }
    println!(
        "    {} pages, {stops} Tab stops checked at {PHONE_WIDTH} px",
        PAGES.len()
    );
    ensure!(failures.is_empty(), "{}", failures.join("\n"));
    probe_layout_checks(&s, &env).await?;
    s.quit().await?;
    Ok(())
}

/// The checks above must be able to fail: a too-wide box, a button without a focus ring and a
/// positive tabindex, added by hand, are each caught.
async fn probe_layout_checks(s: &crate::env::Session, env: &crate::env::Env) -> Result<()> {
    s.open(env, "/").await?;
    s.driver
        .execute(
            "const wide = document.createElement('div');
             wide.id = 'probe-wide'; wide.style.width = '700px'; wide.style.height = '4px';
             document.querySelector('main').appendChild(wide);",
            vec![],
        )
        .await?;
    let overflow = s.horizontal_overflow(PHONE_WIDTH).await?;
    ensure!(
        overflow.scroll_width > f64::from(PHONE_WIDTH)
            && overflow.offenders.iter().any(|o| o.contains("probe-wide")),
        "a 700 px box went unnoticed: {overflow:?}"
    );
    s.driver
        .execute(
            "document.getElementById('probe-wide').remove();
             const button = document.createElement('button');
             button.id = 'probe-button'; button.textContent = 'probe'; button.style.outline = 'none';
             document.querySelector('main').appendChild(button);
             document.querySelector('footer.site a').tabIndex = 1;",
            vec![],
        )
        .await?;
    let problems = s.walk_tab_order().await?.problems();
    ensure!(
        problems
            .iter()
            .any(|p| p.contains("no visible focus ring on button#probe-button")),
        "a button without a focus ring went unnoticed: {problems:?}"
    );
    ensure!(
        problems.iter().any(|p| p.contains("Tab order differs")),
        "a positive tabindex went unnoticed: {problems:?}"
    );
    Ok(())
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Resources {
    /// Every subresource with its HTTP status (0 when the browser refused to fetch it).
    loaded: Vec<(String, u16)>,
    stylesheet_rules: usize,
}

const RESOURCES_JS: &str = r#"
const loaded = performance.getEntriesByType('resource').map((e) => [e.name, e.responseStatus || 0]);
let rules = 0;
for (const sheet of document.styleSheets) { try { rules += sheet.cssRules.length; } catch (_) {} }
return { loaded, stylesheetRules: rules };
"#;

/// Flow 7: No page logs an error or a blocked resource in the console, at either width, and the
/// stylesheet is applied — while a deliberate inline style and foreign image are refused, which
/// shows the policy is live and that this check would see a violation.
pub async fn console_is_clean_on_every_page_under_the_csp(env: SharedEnv) -> Result<()> {
    let mut failures = Vec::new();
    for device in [Device::Desktop, Device::Phone] {
        let s = env.session(device).await?;
        for (name, path) in PAGES {
            s.open(&env, path).await?;
            let problems = s.console_problems().await?;
            for problem in problems {
                let status_notice = problem.contains("Failed to load resource")
                    && (problem.contains("status of 400") || problem.contains("status of 404"));
                if !(expected_status_error(name) && status_notice) {
                    failures.push(format!("{path} ({}): {problem}", device.label()));
                }
            }
            let resources: Resources = s.eval(RESOURCES_JS, vec![]).await?;
            for (url, status) in &resources.loaded {
                if !(200..300).contains(status) && *status != 304 {
                    failures.push(format!("{path}: {url} answered {status}"));
                }
            }
            if resources.stylesheet_rules < 20 {
                failures.push(format!(
                    "{path}: only {} CSS rules applied",
                    resources.stylesheet_rules
                ));
            }
            if device == Device::Desktop {
                s.screenshot(&env, name).await?;
            }
        }

        // The probe: what the site itself must never do, done by hand.
        s.open(&env, "/").await?;
        s.driver
            .execute(
                "const d = document.createElement('div');
                 d.innerHTML = '<p style=\"color: red\">inline</p><img src=\"https://example.invalid/x.png\" alt=\"\">';
                 document.body.appendChild(d);",
                vec![],
            )
            .await?;
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        let caught = s.console_problems().await?;
        ensure!(
            caught.iter().any(|p| p.contains("Content Security Policy")),
            "an inline style attribute was not reported as a CSP violation: {caught:?}"
        );
        s.quit().await?;
    }
    ensure!(failures.is_empty(), "{}", failures.join("\n"));
    Ok(())
}
