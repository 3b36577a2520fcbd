//! `maintenance-window`: every automatic upgrade channel runs inside a planned maintenance window.

use super::Area;
use super::{Context, Missing, Rule};
use crate::finding::{Evidence, Finding, Severity};
use crate::snapshot::arm::{MaintenanceConfiguration, MaintenanceWindow, ManagedCluster, Schedule};
use crate::snapshot::source;

pub static RULE: Rule = Rule {
    id: "maintenance-window",
    title: "Automatic upgrades run inside a maintenance window",
    severity: Severity::Low,
    area: Area::UpgradesAndPatching,
    help_uri: "https://learn.microsoft.com/azure/aks/planned-maintenance",
    reads: &[source::MANAGED_CLUSTER, source::MAINTENANCE_CONFIGURATIONS],
    docs: DOCS,
    cis: &[],
    references: &[
        "Microsoft Learn: aksManagedAutoUpgradeSchedule and aksManagedNodeOSUpgradeSchedule maintenance configurations",
    ],
    check,
};

const DOCS: &str = "\
## What it checks
For each automatic channel that is on, a maintenance configuration must govern it:
`aksManagedAutoUpgradeSchedule` for the cluster channel (`autoUpgradeProfile.upgradeChannel`)
and `aksManagedNodeOSUpgradeSchedule` for the node OS channel (`NodeImage`, `SecurityPatch`).
A missing configuration fails, and so does a window shorter than 4 hours. The evidence names
each schedule in words (\"weekly on Saturday 02:00–06:00 UTC+00:00\"). Weekly, daily,
absoluteMonthly and relativeMonthly schedules are understood, and so is the legacy `default`
configuration (hour slots per weekday), which does not govern the automatic channels.
With no automatic channel on, a cluster without any maintenance configuration fails (low):
the channels the other rules ask for would then run at any time; one that has windows is not
judged (not-applicable).

## Why it matters
Without a window, AKS starts upgrades whenever a release reaches the region: node drains and
reboots in the middle of business hours. Teams that get surprised by that turn auto-upgrade
off, and the cluster falls behind on security patches.

## How to fix

    az aks maintenanceconfiguration add -g RG --cluster-name NAME --name aksManagedAutoUpgradeSchedule \\
      --schedule-type Weekly --day-of-week Saturday --interval-weeks 1 --start-time 02:00 --duration 4

and the same with `--name aksManagedNodeOSUpgradeSchedule` for node OS updates.
";

/// AKS needs at least this long to upgrade within a window.
const MINIMUM_HOURS: u32 = 4;

/// An automatic channel and the maintenance configuration that must govern it.
struct Governed {
    channel: String,
    configuration: &'static str,
    day: &'static str,
}

fn active_channels(cluster: &ManagedCluster) -> Vec<Governed> {
    let profile = cluster.properties.auto_upgrade_profile.clone().unwrap_or_default();
    let mut active = Vec::new();
    if let Some(channel) = profile
        .upgrade_channel
        .filter(|c| matches!(c.to_ascii_lowercase().as_str(), "patch" | "stable" | "rapid" | "node-image"))
    {
        active.push(Governed {
            channel: format!("upgrade channel {channel}"),
            configuration: "aksManagedAutoUpgradeSchedule",
            day: "Saturday",
        });
    }
    if let Some(channel) = profile
        .node_os_upgrade_channel
        .filter(|c| matches!(c.to_ascii_lowercase().as_str(), "nodeimage" | "securitypatch"))
    {
        active.push(Governed {
            channel: format!("node OS channel {channel}"),
            configuration: "aksManagedNodeOSUpgradeSchedule",
            day: "Sunday",
        });
    }
    active
}

fn check(ctx: &Context) -> Result<Vec<Finding>, Missing> {
    let cluster = ctx.cluster()?;
    let active = active_channels(cluster);
    let configurations = ctx.maintenance_configurations()?;
    if active.is_empty() {
        return Ok(vec![without_channels(ctx, configurations)]);
    }
    let legacy = configurations.iter().find(|c| c.name.as_deref() == Some("default")).map(describe_legacy);
    Ok(active.iter().map(|governed| judge(ctx, governed, configurations, legacy.as_deref())).collect())
}

/// No automatic channel is on. A cluster with no window at all fails (low): turning the channels
/// on, as `auto-upgrade-channel` and `node-os-upgrade-channel` ask, would let upgrades start at any
/// time. With windows already in place there is nothing to judge.
fn without_channels(ctx: &Context, configurations: &[MaintenanceConfiguration]) -> Finding {
    let resource = ctx.cluster_resource();
    if configurations.is_empty() {
        let names = ctx.names();
        return RULE
            .fail(resource, "no maintenance window is configured: once automatic upgrades are turned on they can start at any time")
            .with_evidence(Evidence::arm("no automatic upgrade channel is on, and maintenanceConfigurations is empty"))
            .with_remediation(format!(
                "az aks maintenanceconfiguration add -g {} --cluster-name {} --name aksManagedAutoUpgradeSchedule --schedule-type Weekly --day-of-week Saturday --interval-weeks 1 --start-time 02:00 --duration {MINIMUM_HOURS}",
                names.resource_group, names.name
            ));
    }
    let names: Vec<&str> = configurations.iter().filter_map(|c| c.name.as_deref()).collect();
    RULE.not_applicable(resource, "no automatic upgrade channel is on: there is nothing for a window to govern")
        .with_evidence(Evidence::arm(format!("maintenance configurations: {}", names.join(", "))))
}

fn judge(
    ctx: &Context,
    governed: &Governed,
    configurations: &[MaintenanceConfiguration],
    legacy: Option<&str>,
) -> Finding {
    let names = ctx.names();
    let resource = ctx.cluster_resource().child("maintenanceConfigurations", governed.configuration);
    let fix = format!(
        "az aks maintenanceconfiguration add -g {} --cluster-name {} --name {} --schedule-type Weekly --day-of-week {} --interval-weeks 1 --start-time 02:00 --duration {MINIMUM_HOURS}",
        names.resource_group, names.name, governed.configuration, governed.day
    );
    let configuration = configurations
        .iter()
        .find(|c| c.name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(governed.configuration)));
    let window = configuration.and_then(|c| c.properties.maintenance_window.as_ref());
    let mut finding = match (configuration, window) {
        (None, _) => RULE
            .fail(
                resource.clone(),
                format!(
                    "{} is on but no {} window governs it: upgrades may start at any time",
                    governed.channel, governed.configuration
                ),
            )
            .with_remediation(fix),
        (Some(_), None) => RULE
            .fail(resource.clone(), format!("{} exists but has no maintenanceWindow", governed.configuration))
            .with_remediation(fix),
        (Some(_), Some(window)) => {
            let described = describe(window);
            let finding = match window.duration_hours {
                Some(hours) if hours >= MINIMUM_HOURS => {
                    RULE.pass(resource.clone(), format!("{} runs {described}", governed.channel))
                }
                _ => RULE
                    .fail(
                        resource.clone(),
                        format!(
                            "the {} window is shorter than {MINIMUM_HOURS} hours: {described}",
                            governed.configuration
                        ),
                    )
                    .with_remediation(fix.replace(" add ", " update ")),
            };
            finding.with_evidence(Evidence::arm(format!("{}: {described}", governed.configuration)))
        }
    };
    if let Some(legacy) = legacy.filter(|_| configuration.is_none()) {
        finding =
            finding.with_evidence(Evidence::arm(format!("{legacy}; it does not govern automatic upgrade channels")));
    }
    finding
}

/// "weekly on Saturday 02:00–06:00 UTC+00:00".
pub fn describe(window: &MaintenanceWindow) -> String {
    let recurrence = window.schedule.as_ref().map_or("with no schedule".to_string(), describe_schedule);
    let offset = window.utc_offset.as_deref().unwrap_or("+00:00");
    let start = window.start_time.as_deref().unwrap_or("00:00");
    let hours = match (parse_time(start), window.duration_hours) {
        (Some((hour, minute)), Some(duration)) => {
            let end_minutes = hour * 60 + minute + duration * 60;
            let next_day = if end_minutes >= 24 * 60 { " (next day)" } else { "" };
            let end = end_minutes % (24 * 60);
            format!("{start}–{:02}:{:02}{next_day}", end / 60, end % 60)
        }
        _ => format!("from {start} for an unknown duration"),
    };
    format!("{recurrence} {hours} UTC{offset}")
}

fn describe_schedule(schedule: &Schedule) -> String {
    let every = |n: Option<u32>, unit: &str, single: &str| match n.unwrap_or(1) {
        1 => single.to_string(),
        n => format!("every {n} {unit}"),
    };
    if let Some(weekly) = &schedule.weekly {
        let day = weekly.day_of_week.as_deref().unwrap_or("an unset day");
        format!("{} on {day}", every(weekly.interval_weeks, "weeks", "weekly"))
    } else if let Some(daily) = &schedule.daily {
        every(daily.interval_days, "days", "daily")
    } else if let Some(monthly) = &schedule.absolute_monthly {
        let day = monthly.day_of_month.map_or("an unset day".to_string(), |d| format!("day {d}"));
        format!("{} on {day}", every(monthly.interval_months, "months", "monthly"))
    } else if let Some(monthly) = &schedule.relative_monthly {
        let week = monthly.week_index.as_deref().unwrap_or("?").to_ascii_lowercase();
        let day = monthly.day_of_week.as_deref().unwrap_or("an unset day");
        format!("{} on the {week} {day}", every(monthly.interval_months, "months", "monthly"))
    } else {
        "with an empty schedule".to_string()
    }
}

/// The legacy `default` configuration: "legacy default configuration: Monday 01:00–03:00 UTC".
fn describe_legacy(configuration: &MaintenanceConfiguration) -> String {
    let slots: Vec<String> = configuration
        .properties
        .time_in_week
        .iter()
        .map(|slot| {
            let day = slot.day.as_deref().unwrap_or("?");
            let hours: Vec<String> = contiguous_ranges(&slot.hour_slots)
                .into_iter()
                .map(|(first, last)| format!("{first:02}:00–{:02}:00", last + 1))
                .collect();
            format!("{day} {}", hours.join(", "))
        })
        .collect();
    format!("legacy default configuration: {} UTC", slots.join("; "))
}

/// [1, 2, 5] → [(1, 2), (5, 5)].
fn contiguous_ranges(slots: &[u8]) -> Vec<(u8, u8)> {
    let mut sorted = slots.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut ranges: Vec<(u8, u8)> = Vec::new();
    for slot in sorted {
        match ranges.last_mut() {
            Some((_, last)) if *last + 1 == slot => *last = slot,
            _ => ranges.push((slot, slot)),
        }
    }
    ranges
}

fn parse_time(text: &str) -> Option<(u32, u32)> {
    let (hour, minute) = text.split_once(':')?;
    let (hour, minute) = (hour.parse().ok()?, minute.parse().ok()?);
    (hour < 24 && minute < 60).then_some((hour, minute))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Status;
    use crate::rules::testing::{run, with_cluster};
    use crate::snapshot::{Part, Snapshot};
    use serde_json::{Value, json};

    fn cluster_with(channel: &str, node_os: &str, configurations: Option<Value>) -> Snapshot {
        let mut snapshot = with_cluster(
            json!({"properties": {"autoUpgradeProfile": {"upgradeChannel": channel, "nodeOSUpgradeChannel": node_os}}}),
        );
        if let Some(Value::Array(list)) = configurations {
            snapshot.azure.maintenance_configurations =
                Part::Collected(list.iter().map(|c| MaintenanceConfiguration::from_document(c).unwrap()).collect());
        }
        snapshot
    }

    fn window(name: &str, schedule: Value, hours: u32) -> Value {
        json!({"name": name, "properties": {"maintenanceWindow": {"schedule": schedule, "durationHours": hours, "startTime": "02:00", "utcOffset": "+00:00"}}})
    }

    #[test]
    fn both_channels_governed_pass_and_describe_the_window() {
        let snapshot = cluster_with(
            "patch",
            "NodeImage",
            Some(json!([
                window(
                    "aksManagedAutoUpgradeSchedule",
                    json!({"weekly": {"dayOfWeek": "Saturday", "intervalWeeks": 1}}),
                    4
                ),
                window(
                    "aksManagedNodeOSUpgradeSchedule",
                    json!({"weekly": {"dayOfWeek": "Sunday", "intervalWeeks": 1}}),
                    6
                ),
            ])),
        );
        let findings = run(&RULE, &snapshot);
        assert_eq!(findings.iter().map(|f| f.status).collect::<Vec<_>>(), [Status::Pass, Status::Pass]);
        assert!(findings[0].message.contains("weekly on Saturday 02:00–06:00 UTC+00:00"), "{}", findings[0].message);
    }

    #[test]
    fn an_ungoverned_channel_fails_with_a_filled_in_command() {
        let snapshot = cluster_with("stable", "None", Some(json!([])));
        let findings = run(&RULE, &snapshot);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].status, Status::Fail);
        assert!(findings[0].remediation.as_deref().unwrap().starts_with(
            "az aks maintenanceconfiguration add -g rg1 --cluster-name aks1 --name aksManagedAutoUpgradeSchedule"
        ));
    }

    #[test]
    fn a_short_window_fails() {
        let snapshot = cluster_with(
            "none",
            "SecurityPatch",
            Some(json!([window("aksManagedNodeOSUpgradeSchedule", json!({"daily": {"intervalDays": 1}}), 2),])),
        );
        let findings = run(&RULE, &snapshot);
        assert_eq!(findings[0].status, Status::Fail);
        assert!(findings[0].message.contains("daily 02:00–04:00 UTC+00:00"), "{}", findings[0].message);
    }

    #[test]
    fn the_legacy_default_configuration_is_described_but_does_not_govern() {
        let legacy = json!({"name": "default", "properties": {"timeInWeek": [{"day": "Monday", "hourSlots": [1, 2]}]}});
        let findings = run(&RULE, &cluster_with("patch", "Unmanaged", Some(json!([legacy]))));
        assert_eq!(findings[0].status, Status::Fail);
        assert!(
            findings[0].evidence.iter().any(|e| e.contains("legacy default configuration: Monday 01:00–03:00 UTC")),
            "{:?}",
            findings[0].evidence
        );
    }

    #[test]
    fn describes_every_schedule_kind() {
        let describe_json = |v: Value| describe(&serde_json::from_value(v).unwrap());
        assert_eq!(
            describe_json(
                json!({"schedule": {"daily": {"intervalDays": 5}}, "durationHours": 10, "startTime": "13:30", "utcOffset": "-07:00"})
            ),
            "every 5 days 13:30–23:30 UTC-07:00"
        );
        assert_eq!(
            describe_json(
                json!({"schedule": {"absoluteMonthly": {"dayOfMonth": 15, "intervalMonths": 3}}, "durationHours": 5, "startTime": "08:30"})
            ),
            "every 3 months on day 15 08:30–13:30 UTC+00:00"
        );
        assert_eq!(
            describe_json(
                json!({"schedule": {"relativeMonthly": {"dayOfWeek": "Monday", "weekIndex": "First", "intervalMonths": 1}}, "durationHours": 4, "startTime": "22:00"})
            ),
            "monthly on the first Monday 22:00–02:00 (next day) UTC+00:00"
        );
        assert_eq!(
            describe_json(
                json!({"schedule": {"weekly": {"dayOfWeek": "Monday", "intervalWeeks": 3}}, "durationHours": 8, "startTime": "00:00"})
            ),
            "every 3 weeks on Monday 00:00–08:00 UTC+00:00"
        );
    }

    #[test]
    fn without_channels_no_window_at_all_fails_low_and_existing_windows_are_not_applicable() {
        let findings = run(&RULE, &cluster_with("none", "Unmanaged", Some(json!([]))));
        assert_eq!((findings[0].status, findings[0].severity), (Status::Fail, Severity::Low));
        let with_window =
            json!([window("aksManagedAutoUpgradeSchedule", json!({"weekly": {"dayOfWeek": "Saturday"}}), 4)]);
        let findings = run(&RULE, &cluster_with("none", "Unmanaged", Some(with_window)));
        assert_eq!(findings[0].status, Status::NotApplicable);
        assert_eq!(run(&RULE, &cluster_with("none", "None", None))[0].status, Status::Unknown);
    }

    #[test]
    fn missing_configurations_are_unknown_not_pass() {
        let findings = run(&RULE, &cluster_with("patch", "NodeImage", None));
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].status, Status::Unknown);
        assert!(findings[0].message.contains("maintenanceConfigurations"));
        assert_eq!(run(&RULE, &Snapshot::empty("test", "forbidden"))[0].status, Status::Unknown);
    }
}
