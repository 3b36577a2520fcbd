//! `aksguard doctor`: a preflight checklist of what aksguard can read with the current
//! credentials. It runs the live collection itself, so every line is what an audit would get:
//! each source ✓, or ✗ with the reason and the fix (the permission to grant).

use crate::collect::live::Live;

/// A source not read on purpose (`--skip-azure`, `--skip-kubernetes`) is neither ✓ nor ✗.
const NOT_REQUESTED: &str = "not requested";

/// The checklist, and whether everything requested was readable.
pub fn checklist(live: &Live) -> (String, bool) {
    let mut text = String::new();
    match &live.arm {
        Some(arm) => {
            let identity = arm.identity.as_deref().map(|who| format!(" as {who}")).unwrap_or_default();
            text.push_str(&format!("Azure credential: {}{identity}\n", arm.credential));
            text.push_str(&format!("ARM endpoint:     {}\n", arm.endpoint));
            text.push_str(&format!("Cluster:          {}\n", arm.cluster.describe()));
        }
        None => text.push_str("Azure:            not requested (--skip-azure)\n"),
    }
    text.push_str(&format!("Read:             {}\n\n", live.collected.snapshot.source));
    let mut all_readable = true;
    for (source, reason) in live.collected.snapshot.sources() {
        let line = match reason {
            None => format!("✓ {source}"),
            Some(reason) if reason.starts_with(NOT_REQUESTED) => format!("- {source}: {reason}"),
            Some(reason) => {
                all_readable = false;
                format!("✗ {source}: {reason}")
            }
        };
        text.push_str(&line);
        text.push('\n');
    }
    text.push_str(match all_readable {
        true => "\nEverything aksguard reads is readable.\n",
        false => "\nSome sources cannot be read: the rules that need them will be unknown. Fix the ✗ lines above.\n",
    });
    (text, all_readable)
}
