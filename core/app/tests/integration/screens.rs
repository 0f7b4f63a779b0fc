//! The phone screens' view states, built from a real sled store in a temp dir, real simulator sessions
//! and real history: every screen, every action, and every alert severity's notification.

use std::sync::Arc;

use twitchwatch_app::monitor::{Monitor, MonitorSettings};
use twitchwatch_app::screens::*;
use twitchwatch_device::protocol::{
    parse_uuid, uuid_string, ChannelSet, ControlCommand, SERVICE_UUID,
};
use twitchwatch_device::session::SessionConfig;
use twitchwatch_journal::{BodySite, CheckIn, Drink, JournalStore, Symptom};
use twitchwatch_lab::simulator::{SimulatedSession, SimulatedWearable};
use twitchwatch_model::{
    AlertSeverity, ConnectionState, DeviceProtocol, MinuteSummary, MotorEvent, MotorEventKind,
    TremorFractions, WearFractions,
};
use twitchwatch_store::Settings;

const ZONE: &str = "Europe/Berlin";

/// 2026-03-10 12:00:00 Europe/Berlin (11:00 UTC), a weekday far from any DST change.
fn noon_ms() -> i64 {
    jiff::civil::date(2026, 3, 10)
        .at(12, 0, 0, 0)
        .to_zoned(jiff::tz::TimeZone::get(ZONE).unwrap())
        .unwrap()
        .timestamp()
        .as_millisecond()
}

const DAY_MS: i64 = 86_400_000;

struct Fixture {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
    screens: ScreenModel,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    let screens = open(&path);
    screens
        .monitor()
        .store()
        .set_settings(&Settings {
            time_zone: Some(ZONE.into()),
            ..Settings::default()
        })
        .unwrap();
    Fixture {
        _dir: dir,
        path,
        screens,
    }
}

fn open(path: &std::path::Path) -> ScreenModel {
    ScreenModel::new(Monitor::open(path, MonitorSettings::default()).unwrap())
}

fn granted() -> PlatformPermissions {
    PlatformPermissions {
        bluetooth_granted: true,
        notifications_granted: true,
    }
}

/// A worn minute at rest with `twitches` fasciculations and some tremor.
fn minute(start_ms: i64, twitches: u32, tremor: f32) -> MinuteSummary {
    MinuteSummary {
        minute_start_ms: start_ms - start_ms.rem_euclid(60_000),
        tremor: TremorFractions {
            none: 1.0 - tremor,
            slight: tremor,
            ..TremorFractions::default()
        },
        wear: WearFractions {
            at_rest: 1.0,
            ..WearFractions::default()
        },
        twitch_count: twitches,
        spasm_seconds: 0.0,
        tremor_events: 0,
        samples_received: 12_000,
        samples_lost: 0,
    }
}

fn twitch(start_ms: i64) -> MotorEvent {
    MotorEvent {
        kind: MotorEventKind::Fasciculation,
        start_ms,
        end_ms: start_ms + 80,
        peak_accel_g: 0.012,
        dominant_freq_hz: None,
        confidence: 0.9,
    }
}

/// `hours` worn hours ending at `end_ms`, `per_minute` twitches each minute.
fn record_hours(screens: &ScreenModel, end_ms: i64, hours: i64, per_minute: u32) {
    let store = screens.monitor().store();
    let start = end_ms - hours * 3_600_000;
    let minutes: Vec<MinuteSummary> = (0..hours * 60)
        .map(|i| minute(start + i * 60_000, per_minute, 0.1))
        .collect();
    let events: Vec<MotorEvent> = (0..hours * 60)
        .flat_map(|i| (0..per_minute).map(move |k| twitch(start + i * 60_000 + k as i64 * 1000)))
        .collect();
    store.put_minutes(&minutes).unwrap();
    store.put_events(&events).unwrap();
}

// ---------------------------------------------------------------------------------------------
// Onboarding

#[test]
fn onboarding_walks_disclaimer_permissions_pairing_and_remembers_acceptance() {
    let f = fixture();
    let none = PlatformPermissions::default();
    let s = f.screens.onboarding(&none).unwrap();
    assert_eq!(s.step, OnboardingStep::Disclaimer);
    assert!(!s.complete);
    assert_eq!((s.step_number, s.step_count), (1, 4));
    assert!(s
        .disclaimer
        .text
        .contains("informational, not a medical device"));
    assert!(s.disclaimer.text.contains("swallowing or speaking"));
    assert_eq!(s.disclaimer.accepted_at_ms, None);
    assert_eq!(s.missing_permissions.len(), 2);
    assert_eq!(
        f.screens.start_destination(&granted()).unwrap(),
        Destination::Onboarding
    );

    // Demo mode is refused before the disclaimer.
    assert!(matches!(
        f.screens.set_demo_mode(true, &none),
        Err(ScreenError::InvalidInput(_))
    ));

    let s = f.screens.accept_disclaimer(&none, noon_ms()).unwrap();
    assert_eq!(s.step, OnboardingStep::Permissions);
    assert_eq!(s.disclaimer.accepted_at_ms, Some(noon_ms()));
    let s = f.screens.onboarding(&granted()).unwrap();
    assert_eq!(s.step, OnboardingStep::Pairing);
    assert!(s.missing_permissions.is_empty());
    assert_eq!(
        s.secondary_action_label.as_deref(),
        Some("Try the demo without a sensor")
    );

    // Acceptance survives closing and reopening the store.
    drop(f.screens);
    let screens = open(&f.path);
    let s = screens.onboarding(&granted()).unwrap();
    assert_eq!(s.step, OnboardingStep::Pairing);

    let s = screens
        .set_demo_mode(true, &PlatformPermissions::default())
        .unwrap();
    assert_eq!(s.step, OnboardingStep::Done);
    assert!(s.complete && s.demo_mode);
    assert_eq!(
        screens.start_destination(&granted()).unwrap(),
        Destination::Today
    );
}

#[test]
fn onboarding_survives_a_damaged_record_and_refuses_a_newer_one() {
    let f = fixture();
    f.screens.accept_disclaimer(&granted(), noon_ms()).unwrap();
    std::fs::write(f.path.join("onboarding.json"), b"{not json").unwrap();
    // Damaged: ask again instead of failing the app.
    let s = f.screens.onboarding(&granted()).unwrap();
    assert_eq!(s.step, OnboardingStep::Disclaimer);

    std::fs::write(
        f.path.join("onboarding.json"),
        br#"{"schema_version":9,"disclaimer_version":1,"accepted_at_ms":1}"#,
    )
    .unwrap();
    let err = f.screens.onboarding(&granted()).unwrap_err();
    assert!(err.to_string().contains("newer TwitchWatch"), "{err}");
}

// ---------------------------------------------------------------------------------------------
// Pairing

fn ad(id: &str, name: &str, rssi: i16, services: &[&str], at: i64) -> Advertisement {
    Advertisement {
        id: id.into(),
        name: Some(name.into()),
        rssi_dbm: Some(rssi),
        service_uuids: services.iter().map(|s| s.to_string()).collect(),
        seen_at_ms: at,
    }
}

#[test]
fn pairing_lists_our_wearable_and_polar_sensors_and_pairs_either() {
    let f = fixture();
    let t0 = noon_ms();
    let ours = uuid_string(SERVICE_UUID);
    let heart_rate = "0000180d-0000-1000-8000-00805f9b34fb".to_string();
    let s = f.screens.pairing(t0).unwrap();
    assert_eq!(s.phase, PairingPhase::Idle);
    // Polar sensors advertise heart rate, not PMD: the filter must let them through.
    assert_eq!(s.scan_service_uuids, vec![ours.clone(), heart_rate]);

    let s = f.screens.start_scan(t0).unwrap();
    assert_eq!(s.phase, PairingPhase::Scanning);
    assert!(s.candidates.is_empty());

    f.screens
        .on_advertisement(ad("AA:01", "TW far", -85, &[&ours], t0 + 100))
        .unwrap();
    f.screens
        .on_advertisement(ad(
            "AA:02",
            "TW near",
            -50,
            &[&ours.to_uppercase()],
            t0 + 200,
        ))
        .unwrap();
    f.screens
        .on_advertisement(ad("BB:01", "Polar Sense 1234", -40, &["180d"], t0 + 300))
        .unwrap();
    let s = f
        .screens
        .on_advertisement(ad("CC:01", "Headphones", -30, &["110b"], t0 + 400))
        .unwrap();
    // Strongest first: the device in the user's hand is on top, Polar or ours.
    let ids: Vec<&str> = s.candidates.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["BB:01", "AA:02", "AA:01"]);
    assert_eq!(s.candidates[0].protocol, DeviceProtocol::PolarPmd);
    assert!(s.candidates.iter().all(|c| c.can_pair && c.note.is_none()));
    assert_eq!(s.candidates[1].signal, SignalStrength::Strong);
    assert_eq!(s.candidates[2].signal, SignalStrength::Weak);
    assert_eq!(s.other_devices_nearby, 1);
    assert_eq!(s.message, "Tap your wearable to pair it.");

    assert!(matches!(
        f.screens.pair("CC:01", t0 + 500),
        Err(ScreenError::NotFound(_))
    ));
    assert!(matches!(
        f.screens.on_advertisement(ad(" ", "x", -50, &[], t0)),
        Err(ScreenError::InvalidInput(_))
    ));

    let s = f.screens.pair("AA:02", t0 + 500).unwrap();
    assert_eq!(s.phase, PairingPhase::Paired);
    let paired = s.paired.expect("paired device shown");
    assert_eq!(
        (
            paired.id.as_str(),
            paired.name.as_str(),
            paired.sample_rate_hz
        ),
        ("AA:02", "TW near", 200)
    );
    assert!(s.candidates.iter().any(|c| c.id == "AA:02" && c.is_paired));
    let stored = f
        .screens
        .monitor()
        .store()
        .paired_device()
        .unwrap()
        .unwrap();
    assert_eq!(stored.id, "AA:02");
    // The session holds the exact bytes the wearable accepts.
    let session = f
        .screens
        .paired_gatt_session(SessionConfig::default())
        .unwrap()
        .expect("a session for our wearable");
    let profile = session.profile();
    assert_eq!(parse_uuid(&profile.service_uuid), Some(SERVICE_UUID));
    assert_eq!(
        ControlCommand::decode(&profile.start_commands[0]).unwrap(),
        ControlCommand::Start {
            sample_rate_hz: 200,
            channels: ChannelSet::ACCEL_GYRO
        }
    );

    // A Polar sensor pairs at 208 Hz with the gyroscope; its session starts SDK mode first.
    f.screens.start_scan(t0 + 600).unwrap();
    f.screens
        .on_advertisement(ad("BB:01", "Polar Sense 1234", -40, &["180d"], t0 + 700))
        .unwrap();
    let s = f.screens.pair("BB:01", t0 + 800).unwrap();
    assert_eq!(s.paired.as_ref().map(|p| p.sample_rate_hz), Some(208));
    let polar = f
        .screens
        .monitor()
        .store()
        .paired_device()
        .unwrap()
        .unwrap();
    assert_eq!(
        (polar.protocol, polar.sample_rate_hz, polar.with_gyro),
        (DeviceProtocol::PolarPmd, 208, true)
    );
    let session = f
        .screens
        .paired_gatt_session(SessionConfig::default())
        .unwrap()
        .expect("a session for the Polar sensor");
    assert_eq!(session.profile().start_commands[0], vec![0x02, 0x09]);

    f.screens.monitor().store().forget_device().unwrap();
    let s = f.screens.pairing(t0 + 900).unwrap();
    assert_eq!(s.phase, PairingPhase::Idle);
    assert!(s.paired.is_none());
    assert!(f
        .screens
        .paired_gatt_session(SessionConfig::default())
        .unwrap()
        .is_none());
}

#[test]
fn scan_times_out_and_stale_devices_drop_off() {
    let f = fixture();
    let t0 = noon_ms();
    let ours = uuid_string(SERVICE_UUID);
    f.screens.start_scan(t0).unwrap();
    f.screens
        .on_advertisement(ad("AA:01", "TW", -60, &[&ours], t0))
        .unwrap();
    let s = f.screens.pairing(t0 + 10_000).unwrap();
    assert_eq!(s.candidates.len(), 1);
    let s = f.screens.pairing(t0 + 20_000).unwrap();
    assert!(s.candidates.is_empty(), "not heard for 20 s: gone");
    assert_eq!(s.phase, PairingPhase::Scanning);
    let s = f.screens.pairing(t0 + 31_000).unwrap();
    assert_eq!(s.phase, PairingPhase::Idle, "scan stops after 30 s");
    let s = f.screens.start_scan(t0 + 40_000).unwrap();
    let s2 = f.screens.stop_scan(t0 + 41_000).unwrap();
    assert_eq!(s.phase, PairingPhase::Scanning);
    assert_eq!(s2.phase, PairingPhase::Idle);
}

// ---------------------------------------------------------------------------------------------
// Today / live

#[test]
fn today_shows_stored_counts_hourly_chart_and_latest_events() {
    let f = fixture();
    let now = noon_ms();
    // Three worn hours ending at noon, 2 twitches a minute; and one hour yesterday that must not count.
    record_hours(&f.screens, now, 3, 2);
    record_hours(&f.screens, now - DAY_MS, 1, 5);
    let s = f.screens.today(now).unwrap();
    assert_eq!(s.date_label, "Tue 10 Mar");
    assert_eq!(s.counts.twitches, 360);
    assert_eq!(s.counts.twitches_label, "360 twitches");
    assert_eq!(s.counts.worn_minutes, 180.0);
    assert_eq!(s.counts.twitches_per_worn_hour, Some(120.0));
    assert_eq!(s.counts.tremor_minutes, 18.0);
    assert_eq!(s.hourly.len(), 24);
    let hourly: Vec<u32> = s.hourly.iter().map(|b| b.twitches).collect();
    assert_eq!(&hourly[9..12], &[120, 120, 120]);
    assert_eq!(hourly.iter().sum::<u32>(), 360);
    assert_eq!(s.recent_events.len(), 10);
    assert!(s
        .recent_events
        .windows(2)
        .all(|w| w[0].start_ms >= w[1].start_ms));
    assert_eq!(s.recent_events[0].kind_label, "Twitch");
    assert_eq!(s.recent_events[0].time_label, "11:59");
    assert_eq!(s.recent_events[0].detail, "Peak 12 mg");
    assert_eq!(
        s.data_quality_label.as_deref(),
        Some("100.0% of samples received")
    );
    assert_eq!(s.connection.state, ConnectionState::Disconnected);
    assert!(!s.monitoring);
    assert_eq!(s.primary_action_label, "Pair a wearable");
    assert_eq!(s.primary_action, TodayAction::PairWearable);
    assert!(s.top_alert.is_none());
}

#[test]
fn today_follows_the_shells_connection_and_battery() {
    let f = fixture();
    f.screens.report_connection(ConnectionState::Reconnecting {
        attempt: 3,
        retry_in_ms: 3_500,
    });
    f.screens.report_battery(9);
    let s = f.screens.today(noon_ms()).unwrap();
    assert_eq!(s.connection.label, "Connection lost");
    assert_eq!(
        s.connection.detail.as_deref(),
        Some("Retrying in 4 s (attempt 3)")
    );
    assert!(s.monitoring && !s.connection.is_live);
    assert_eq!(s.primary_action_label, "Stop monitoring");
    assert_eq!(s.primary_action, TodayAction::StopMonitoring);
    assert_eq!((s.battery_percent, s.battery_low), (Some(9), true));
    assert!(
        s.status_line
            .ends_with("Connection lost · Retrying in 4 s (attempt 3) · Battery 9%"),
        "{}",
        s.status_line
    );
    let tiles: Vec<&str> = s.tiles.iter().map(|t| t.title.as_str()).collect();
    assert_eq!(tiles, ["Twitches", "Tremor", "Spasm", "Wear"]);
    assert_eq!(s.tiles[0].value, s.counts.twitches_label);
    assert_eq!(
        (s.hourly_title.as_str(), s.recent_title.as_str()),
        ("By hour", "Latest")
    );
    f.screens.report_connection(ConnectionState::Streaming);
    f.screens.report_battery(250);
    let s = f.screens.today(noon_ms()).unwrap();
    assert!(s.connection.is_live);
    assert_eq!((s.battery_percent, s.battery_low), (Some(100), false));

    let n = f.screens.monitoring_notification(noon_ms()).unwrap();
    assert_eq!(n.channel_id, MONITORING_CHANNEL_ID);
    assert_eq!(n.body, "Monitoring · 0 twitches today");
    assert_eq!(
        n.public_body, "Monitoring",
        "no health numbers on the lock screen"
    );
    assert_eq!(n.deep_link, "twitchwatch://today");
}

#[test]
fn a_simulated_demo_session_fills_today_through_the_real_pipeline() {
    let f = fixture();
    f.screens.accept_disclaimer(&granted(), noon_ms()).unwrap();
    f.screens.set_demo_mode(true, &granted()).unwrap();
    let before = f.screens.today(ScreenModel::now_ms()).unwrap();
    assert_eq!(before.primary_action_label, "Start monitoring");
    // Demo mode with no wearable paired: the button starts the simulated one.
    assert_eq!(before.primary_action, TodayAction::StartDemo);
    assert_eq!(
        before.device_name.as_deref(),
        Some("Simulated sensor (demo)")
    );

    // speed 0: as fast as possible; the data ends "now".
    f.screens
        .start_replay_session(
            Box::new(
                SimulatedWearable::live(
                    &SimulatedSession {
                        scenario: "twitches".into(),
                        speed: 0.0,
                        ..Default::default()
                    },
                    ScreenModel::now_ms(),
                )
                .unwrap(),
            ),
            0.0,
            ScreenModel::now_ms(),
        )
        .unwrap();
    f.screens.monitor().wait();
    let now = ScreenModel::now_ms();
    let s = f.screens.today(now).unwrap();
    assert_eq!(
        s.connection.state,
        ConnectionState::Disconnected,
        "session ended"
    );
    assert!(!s.monitoring);
    assert!(s.last_error.is_none(), "{:?}", s.last_error);

    // The screen's numbers are the store's numbers for the local day of `now`.
    let store = f.screens.monitor().store();
    let tz = store.time_zone();
    let today = tz
        .to_datetime(jiff::Timestamp::from_millisecond(now).unwrap())
        .date();
    let day = &store.daily_summaries(today, today, &tz).unwrap()[0];
    assert_eq!(s.counts.twitches, day.twitch_count);
    assert_eq!(
        s.hourly.iter().map(|b| b.twitches).sum::<u32>(),
        day.twitch_count
    );
    let yesterday = today.yesterday().unwrap();
    let both: u32 = store
        .daily_summaries(yesterday, today, &tz)
        .unwrap()
        .iter()
        .map(|d| d.twitch_count)
        .sum();
    assert!(
        both > 0,
        "five simulated minutes with twitches produced none"
    );
    let live = f.screens.live_events();
    assert!(!live.is_empty() && live.len() <= 10);
    assert!(live.windows(2).all(|w| w[0].start_ms >= w[1].start_ms));
}

// ---------------------------------------------------------------------------------------------
// History

#[test]
fn history_charts_have_one_point_per_day_with_gaps_for_days_without_wear() {
    let f = fixture();
    let now = noon_ms();
    // Worn 2 h today, 2 days ago and 9 days ago (outside the week).
    for back in [0, 2, 9] {
        record_hours(&f.screens, now - back * DAY_MS, 2, 1 + back as u32);
    }
    let week = f.screens.history(HistoryRange::Week, now).unwrap();
    assert_eq!(
        (week.from_date.as_str(), week.to_date.as_str()),
        ("2026-03-04", "2026-03-10")
    );
    assert_eq!(week.days_with_data, 2);
    assert!(week.empty_message.is_none());
    let twitches = week
        .charts
        .iter()
        .find(|c| c.metric == ChartMetric::Twitches)
        .unwrap();
    assert_eq!(twitches.points.len(), 7);
    let values: Vec<Option<f64>> = twitches.points.iter().map(|p| p.value).collect();
    assert_eq!(
        values,
        [None, None, None, None, Some(360.0), None, Some(120.0)]
    );
    assert_eq!(twitches.points[6].label, "10 Mar");
    assert_eq!(twitches.average, Some(240.0));
    assert_eq!(twitches.y_max, 360.0);
    let rate = week
        .charts
        .iter()
        .find(|c| c.metric == ChartMetric::TwitchesPerWornHour)
        .unwrap();
    assert_eq!(rate.points[4].value, Some(180.0));
    let worn = week
        .charts
        .iter()
        .find(|c| c.metric == ChartMetric::WornHours)
        .unwrap();
    assert_eq!(worn.points[6].value, Some(2.0));
    assert_eq!(week.days.len(), 7);
    assert_eq!(week.days[0].label, "Tue 10 Mar");
    assert!(week.days[0].has_data && !week.days[1].has_data);

    let month = f.screens.history(HistoryRange::Month, now).unwrap();
    assert_eq!(month.days_with_data, 3);
    assert_eq!(month.charts[0].points.len(), 30);
    assert_eq!(
        f.screens
            .history(HistoryRange::Quarter, now)
            .unwrap()
            .charts[0]
            .points
            .len(),
        90
    );

    let empty = f
        .screens
        .history(HistoryRange::Week, now + 20 * DAY_MS)
        .unwrap();
    assert_eq!(empty.days_with_data, 0);
    assert!(empty.empty_message.is_some());
    assert_eq!(empty.charts[0].y_max, 1.0);
}

#[test]
fn day_detail_has_hourly_buckets_and_refuses_bad_or_future_dates() {
    let f = fixture();
    let now = noon_ms();
    record_hours(&f.screens, now - 2 * DAY_MS, 1, 3);
    let d = f.screens.day_detail("2026-03-08", now).unwrap();
    assert_eq!(d.label, "Sun 8 Mar");
    assert_eq!(d.events_total, 180);
    assert_eq!(d.events.len(), 50);
    assert_eq!(d.hourly[11].twitches, 180);
    assert_eq!(d.hourly[11].worn_minutes, 60.0);
    assert!(matches!(
        f.screens.day_detail("yesterday", now),
        Err(ScreenError::InvalidInput(_))
    ));
    let err = f.screens.day_detail("2026-03-11", now).unwrap_err();
    assert!(err.to_string().contains("future"), "{err}");
}

// ---------------------------------------------------------------------------------------------
// Alerts and notifications

fn facts(id: &str, severity: AlertSeverity, raised_at_ms: i64, acknowledged: bool) -> AlertFacts {
    AlertFacts {
        alert_id: id.into(),
        rule_id: id.into(),
        severity,
        rank: 0,
        title: format!("Title of {id}"),
        body: format!("Body of {id}."),
        evidence: vec![EvidenceLine {
            kind: EvidenceKind::Day,
            text: "Tue 3 Mar: 41 twitches".into(),
            date: Some("2026-03-03".into()),
        }],
        raised_at_ms,
        acknowledged_at_ms: acknowledged.then_some(raised_at_ms + 1),
        resolved_at_ms: None,
        escalated_from: None,
    }
}

#[test]
fn alerts_screen_orders_by_severity_then_time_and_keeps_evidence() {
    let tz = jiff::tz::TimeZone::get(ZONE).unwrap();
    let now = noon_ms();
    let mut urgent = facts("swallowing", AlertSeverity::Urgent, now - 1000, false);
    urgent.escalated_from = Some(AlertSeverity::SeeADoctor);
    let all = vec![
        facts("caffeine", AlertSeverity::Advice, now, false),
        facts("persistence", AlertSeverity::SeeADoctor, now - 5000, false),
        urgent,
        facts("info", AlertSeverity::Info, now - 10, false),
        facts("old", AlertSeverity::SeeADoctor, now - DAY_MS, true),
        AlertFacts {
            rank: 50,
            ..facts(
                "weakness_with_twitching",
                AlertSeverity::SeeADoctor,
                now - 9000,
                false,
            )
        },
        AlertFacts {
            resolved_at_ms: Some(now),
            ..facts("gone", AlertSeverity::Advice, now - 2 * DAY_MS, false)
        },
    ];
    let s = AlertsState::build(&tz, &all);
    let order: Vec<&str> = s.active.iter().map(|r| r.alert_id.as_str()).collect();
    assert_eq!(
        order,
        [
            "swallowing",
            "weakness_with_twitching",
            "persistence",
            "caffeine",
            "info"
        ]
    );
    assert_eq!(s.past.len(), 1);
    assert!(s.past[0].resolved && !s.past[0].can_acknowledge);
    assert_eq!(s.highest_active, Some(AlertSeverity::Urgent));
    assert_eq!(s.headline, "Seek medical attention now");
    assert_eq!(s.active[0].severity_label, "Urgent");
    assert!(s.active[0]
        .what_to_do
        .starts_with("Seek immediate medical attention"));
    assert_eq!(
        s.active[0].escalated_label.as_deref(),
        Some("Raised as “See a doctor”, now more serious")
    );
    assert_eq!(s.active[0].raised_at_label, "Raised Tue 10 Mar, 11:59");
    assert_eq!(s.active[2].evidence[0].date.as_deref(), Some("2026-03-03"));
    assert_eq!(s.acknowledged.len(), 1);
    assert!(s.acknowledged[0].acknowledged && !s.acknowledged[0].can_acknowledge);
    assert!(s.disclaimer_line.contains("not a medical device"));

    let empty = AlertsState::build(&tz, &[]);
    assert_eq!(empty.highest_active, None);
    assert!(empty.empty_message.is_some());
    assert_eq!(empty.headline, "No active alerts");
}

#[test]
fn every_severity_has_its_notification_channel_importance_and_interruption_level() {
    let expected = [
        (
            AlertSeverity::Info,
            "twitchwatch.alerts.info",
            AndroidImportance::Min,
            InterruptionLevel::Passive,
            false,
        ),
        (
            AlertSeverity::Advice,
            "twitchwatch.alerts.advice",
            AndroidImportance::Low,
            InterruptionLevel::Passive,
            false,
        ),
        (
            AlertSeverity::SeeADoctor,
            "twitchwatch.alerts.see_a_doctor",
            AndroidImportance::Default,
            InterruptionLevel::Active,
            false,
        ),
        (
            AlertSeverity::Urgent,
            "twitchwatch.alerts.urgent",
            AndroidImportance::High,
            InterruptionLevel::TimeSensitive,
            true,
        ),
    ];
    assert_eq!(expected.len(), AlertSeverity::ALL.len());
    let channels = notification_channels();
    let mut previous_relevance = -1.0;
    for (severity, channel, importance, level, heads_up) in expected {
        let id = format!("alert-{}", severity.as_str());
        let n = notification_for_alert(&facts(&id, severity, noon_ms(), false));
        assert_eq!(n.severity, severity);
        assert_eq!(n.channel_id, channel);
        assert_eq!(n.android_importance, importance);
        assert_eq!(n.interruption_level, level);
        assert_eq!(
            n.heads_up, heads_up,
            "only urgent alerts pop up over other apps"
        );
        assert_eq!(n.alert_id, id);
        assert_eq!(n.deep_link, format!("twitchwatch://alerts/{id}"));
        assert_eq!(
            Destination::from_deep_link(&n.deep_link),
            Destination::Alert {
                alert_id: id.clone()
            }
        );
        assert!(n.notification_id > 1, "0 and 1 are reserved");
        assert_eq!(
            n.notification_id,
            notification_for_alert(&facts(&id, severity, 0, true)).notification_id
        );
        assert!(n.body.starts_with(&format!("Body of {id}.")));
        assert!(
            !n.public_body.contains("Body of"),
            "details stay off the lock screen"
        );
        assert!(n.relevance_score > previous_relevance);
        previous_relevance = n.relevance_score;
        let spec = channels
            .iter()
            .find(|c| c.id == channel)
            .expect("channel exists");
        assert_eq!(spec.importance, importance);
        assert_eq!(spec.severity, Some(severity));
        match severity {
            AlertSeverity::Urgent => {
                assert!(n.title.starts_with("Urgent: "));
                assert!(n.body.contains("Seek immediate medical attention"));
                assert_eq!(spec.importance.value(), 4);
            }
            AlertSeverity::SeeADoctor => assert!(n.body.contains("doctor")),
            AlertSeverity::Advice | AlertSeverity::Info => {
                assert_eq!(n.title, format!("Title of {id}"))
            }
        }
    }
    assert_eq!(channels.len(), 5);
    let monitoring = channels
        .iter()
        .find(|c| c.id == MONITORING_CHANNEL_ID)
        .unwrap();
    assert_eq!(
        (monitoring.importance, monitoring.severity),
        (AndroidImportance::Low, None)
    );
}

#[test]
fn the_tabs_are_the_cores_with_their_titles_and_every_one_has_a_deep_link() {
    let tabs = navigation_tabs();
    let titles: Vec<&str> = tabs.iter().map(|t| t.title.as_str()).collect();
    assert_eq!(
        titles,
        ["Today", "Journal", "History", "Tasks", "Alerts", "Report"]
    );
    for t in &tabs {
        assert_eq!(
            Destination::from_deep_link(&t.destination.deep_link()),
            t.destination
        );
    }
    assert_eq!(tabs[3].destination, Destination::Tasks);
}

#[test]
fn deep_links_round_trip_and_unknown_links_open_today() {
    for d in [
        Destination::Onboarding,
        Destination::Pairing,
        Destination::Today,
        Destination::Journal,
        Destination::History,
        Destination::Alerts,
        Destination::Alert {
            alert_id: "rule:swallowing".into(),
        },
        Destination::Tasks,
        Destination::Report,
    ] {
        assert_eq!(Destination::from_deep_link(&d.deep_link()), d);
    }
    assert_eq!(
        Destination::from_deep_link("https://example.org"),
        Destination::Today
    );
    assert_eq!(
        Destination::from_deep_link("twitchwatch://alerts/"),
        Destination::Alerts
    );
    assert_eq!(Destination::Tasks.deep_link(), "twitchwatch://tasks");
    // A task's own screen is below the list: its link opens the list, not Today.
    assert_eq!(
        Destination::from_deep_link("twitchwatch://tasks/tapping"),
        Destination::Tasks
    );
}

#[test]
fn alert_actions_on_unknown_alerts_say_so() {
    let f = fixture();
    assert!(matches!(
        f.screens.alert_detail("nope"),
        Err(ScreenError::NotFound(_))
    ));
    assert!(matches!(
        f.screens.notification_for("nope"),
        Err(ScreenError::NotFound(_))
    ));
}

// ---------------------------------------------------------------------------------------------
// Journal and check-in

#[test]
fn journal_form_has_the_seed_factors_and_the_check_in_body_map() {
    let f = fixture();
    let s = f.screens.journal(None, noon_ms()).unwrap();
    assert!(s.is_today && !s.has_entry);
    assert_eq!(s.date, "2026-03-10");
    let keys: Vec<&str> = s.lifestyle.iter().map(|f| f.key.as_str()).collect();
    for k in [
        "caffeine_mg",
        "sleep_hours",
        "stress",
        "water_ml",
        "hydration",
        "exertion",
        "nicotine_mg",
        "supplements",
    ] {
        assert!(keys.contains(&k), "missing {k}");
    }
    assert!(
        s.lifestyle.iter().all(|f| f.value.is_none()),
        "nothing recorded is never shown as 0"
    );
    let caffeine = &s.lifestyle[0];
    assert!(caffeine.help.as_deref().unwrap().contains("400 mg"));
    assert!(matches!(&caffeine.kind, JournalFieldKind::Number { unit, .. } if unit == "mg"));
    assert!(s
        .drinks
        .iter()
        .any(|d| d.drink == Drink::Espresso && d.caffeine_mg == 63.0));
    assert_eq!(s.medication_classes.len(), 5);
    assert_eq!(s.body_sites.len(), 11);
    assert!(s
        .body_sites
        .iter()
        .any(|b| b.site == BodySite::Tongue && b.label == "Tongue"));
    let urgent: Vec<Symptom> = s
        .symptoms
        .iter()
        .filter(|x| x.urgent)
        .map(|x| x.symptom)
        .collect();
    assert_eq!(
        urgent,
        [Symptom::DifficultySwallowing, Symptom::DifficultySpeaking]
    );
    assert!(s.urgent_note.contains("immediate medical attention"));
    let past = f.screens.journal(Some("2026-03-01"), noon_ms()).unwrap();
    assert!(!past.is_today);
    assert!(matches!(
        f.screens.journal(Some("2026-03-11"), noon_ms()),
        Err(ScreenError::InvalidInput(_))
    ));
}

#[test]
fn journal_form_edits_from_sixteen_threads_all_count() {
    let f = fixture();
    let (day, now) = ("2026-03-10", noon_ms());
    let screens = &f.screens;
    std::thread::scope(|scope| {
        for t in 0..16 {
            scope.spawn(move || {
                for i in 0..4 {
                    screens
                        .add_medication(day, &format!("med-{t}-{i}"), "other", None, now)
                        .unwrap();
                }
            });
        }
    });
    let entry = screens
        .monitor()
        .store()
        .journal_entry(jiff::civil::date(2026, 3, 10))
        .unwrap()
        .unwrap();
    assert_eq!(
        entry.medications.len(),
        64,
        "medications lost to racing edits"
    );
}

#[test]
fn journal_edits_are_stored_validated_and_bad_values_change_nothing() {
    let f = fixture();
    let now = noon_ms();
    let day = "2026-03-10";
    let value = |s: &JournalState, key: &str| {
        s.lifestyle
            .iter()
            .find(|f| f.key == key)
            .unwrap()
            .value
            .clone()
    };
    let s = f
        .screens
        .set_journal_value(day, "caffeine_mg", " 190 ", now)
        .unwrap();
    assert!(s.has_entry);
    assert_eq!(value(&s, "caffeine_mg").as_deref(), Some("190"));
    assert!(s.caffeine_hint.is_none());
    f.screens
        .monitor()
        .store()
        .add_drink(day.parse().unwrap(), Drink::Espresso, 1, now)
        .unwrap();
    let s = f.screens.journal(Some(day), now).unwrap();
    assert_eq!(value(&s, "caffeine_mg").as_deref(), Some("253"));
    assert_eq!(
        s.drinks
            .iter()
            .find(|d| d.drink == Drink::Espresso)
            .unwrap()
            .servings,
        1
    );
    let s = f
        .screens
        .set_journal_value(day, "caffeine_mg", "450", now)
        .unwrap();
    assert!(s.caffeine_hint.as_deref().unwrap().contains("above 400 mg"));
    f.screens
        .set_journal_value(day, "stress", "7", now)
        .unwrap();
    f.screens
        .set_journal_value(day, "hydration", "poor", now)
        .unwrap();
    let s = f
        .screens
        .set_journal_value(day, "supplements", "magnesium, electrolytes", now)
        .unwrap();
    assert_eq!(
        value(&s, "supplements").as_deref(),
        Some("magnesium,electrolytes")
    );
    assert_eq!(value(&s, "hydration").as_deref(), Some("poor"));

    for (key, bad, needle) in [
        ("caffeine_mg", "-5", "outside"),
        ("caffeine_mg", "NaN", "must be a number"),
        ("caffeine_mg", "lots", "not a number"),
        ("sleep_hours", "30", "outside"),
        ("stress", "11", "outside"),
        ("hydration", "soaked", "poor, fair, good"),
        ("supplements", "magnesium,unicorn", "unicorn"),
    ] {
        let err = f.screens.set_journal_value(day, key, bad, now).unwrap_err();
        assert!(err.to_string().contains(needle), "{key}={bad}: {err}");
    }
    assert!(matches!(
        f.screens.set_journal_value(day, "mood", "1", now),
        Err(ScreenError::NotFound(_))
    ));
    assert!(f
        .screens
        .set_journal_value("2026-03-11", "stress", "1", now)
        .is_err());
    // Nothing stored was lost by the bad inputs.
    let s = f.screens.journal(Some(day), now).unwrap();
    assert_eq!(value(&s, "caffeine_mg").as_deref(), Some("450"));
    assert_eq!(value(&s, "stress").as_deref(), Some("7"));

    // Clearing a value stores "not recorded", not zero.
    let s = f.screens.set_journal_value(day, "stress", "", now).unwrap();
    assert_eq!(value(&s, "stress"), None);

    let s = f
        .screens
        .add_medication(day, "Salbutamol", "stimulant", Some("2026-03-01"), now)
        .unwrap();
    assert_eq!(s.medications.len(), 1);
    assert_eq!(
        s.medications[0].started_label.as_deref(),
        Some("since Sun 1 Mar")
    );
    assert!(f
        .screens
        .add_medication(day, "X", "vitamin", None, now)
        .is_err());
    assert!(f
        .screens
        .add_medication(day, " ", "other", None, now)
        .is_err());
    assert!(matches!(
        f.screens.remove_medication(day, 3, now),
        Err(ScreenError::NotFound(_))
    ));
    let s = f.screens.remove_medication(day, 0, now).unwrap();
    assert!(s.medications.is_empty());
}

#[test]
fn a_swallowing_check_in_raises_the_urgent_alert_and_its_notification_in_the_same_call() {
    let f = fixture();
    let now = ScreenModel::now_ms();
    let mut checkin = CheckIn::new(now);
    checkin.twitch_sites = [BodySite::LeftHand, BodySite::Tongue].into();
    checkin.symptoms = [Symptom::DifficultySwallowing].into();
    let outcome = f
        .screens
        .monitor()
        .alerts()
        .record_checkin(&checkin, now)
        .unwrap();
    let raised = outcome
        .alerts
        .iter()
        .find(|a| a.severity == AlertSeverity::Urgent)
        .expect("an urgent alert in the same call");
    let urgent = f.screens.notification_for(&raised.id).unwrap();
    assert_eq!(urgent.channel_id, "twitchwatch.alerts.urgent");
    assert_eq!(urgent.interruption_level, InterruptionLevel::TimeSensitive);
    assert!(urgent.heads_up);
    let journal = f.screens.journal(None, now).unwrap();
    assert_eq!(journal.checkins.len(), 1);
    assert!(journal.checkins[0].has_red_flag);
    assert_eq!(journal.checkins[0].sites_label, "Left hand, tongue");

    // Tapping it opens that alert, with the check-in as evidence.
    let Destination::Alert { alert_id } = Destination::from_deep_link(&urgent.deep_link) else {
        panic!("notification opens an alert: {}", urgent.deep_link);
    };
    let detail = f.screens.alert_detail(&alert_id).unwrap();
    assert_eq!(detail.severity, AlertSeverity::Urgent);
    assert!(
        detail
            .evidence
            .iter()
            .any(|e| e.kind == EvidenceKind::CheckIn),
        "{:?}",
        detail.evidence
    );
    assert_eq!(
        f.screens
            .notification_for(&alert_id)
            .unwrap()
            .notification_id,
        urgent.notification_id
    );

    let alerts = f.screens.alerts().unwrap();
    assert_eq!(alerts.highest_active, Some(AlertSeverity::Urgent));
    assert_eq!(alerts.active[0].alert_id, alert_id);
    let today = f.screens.today(now).unwrap();
    assert_eq!(
        today.top_alert.as_ref().map(|a| a.alert_id.as_str()),
        Some(alert_id.as_str())
    );

    f.screens
        .monitor()
        .alerts()
        .acknowledge(&alert_id, now + 1)
        .unwrap();
    let after = f.screens.alerts().unwrap();
    assert_eq!(
        f.screens.alert_detail(&alert_id).unwrap().acknowledge_label,
        "Got it"
    );
    assert!(after.active.iter().all(|a| a.alert_id != alert_id));
    assert!(after
        .acknowledged
        .iter()
        .any(|a| a.alert_id == alert_id && !a.can_acknowledge));
    // Acknowledged and no new evidence: the daily tick stays quiet about it.
    let again = f.screens.monitor().evaluate_rules(now + 2).unwrap();
    assert!(again.iter().all(|a| a.id != alert_id), "{again:?}");
}

// ---------------------------------------------------------------------------------------------
// Report export

#[test]
fn report_offers_formats_with_file_names_and_checks_the_target() {
    let f = fixture();
    record_hours(&f.screens, noon_ms(), 1, 1);
    let s = f.screens.report(noon_ms()).unwrap();
    assert_eq!(s.days_with_data, 1);
    assert_eq!(s.default_period_days, 90);
    assert_eq!(s.export_action_label, "Create and share (90 days)");
    assert_eq!(s.last_export_label, None);
    assert_eq!(s.your_data.title, "Your data");
    assert!(s.your_data.stays_on_phone.contains("stays on this phone"));
    assert_eq!(s.your_data.confirm_title, "Delete all your data?");
    assert!(s.your_data.confirm_text.contains("cannot be undone"));
    assert_eq!(
        (
            s.your_data.delete_label.as_str(),
            s.your_data.confirm_label.as_str(),
            s.your_data.cancel_label.as_str()
        ),
        ("Delete my data", "Delete everything", "Cancel")
    );
    let names: Vec<&str> = s
        .formats
        .iter()
        .map(|o| o.suggested_file_name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "twitchwatch-2026-03-10.html",
            "twitchwatch-2026-03-10.csv",
            "twitchwatch-2026-03-10.json"
        ]
    );
    assert_eq!(s.formats[0].mime_type, "text/html");
    assert!(s
        .disclaimer
        .text
        .contains("informational, not a medical device"));
    assert!(s.last_export.is_none());

    let missing = f.path.join("no/such/dir/report.html");
    let err = f
        .screens
        .export_report(ExportFormat::Html, 90, missing.to_str().unwrap(), noon_ms())
        .unwrap_err();
    assert!(err.to_string().contains("does not exist"), "{err}");
    assert!(matches!(
        f.screens.report(noon_ms()).unwrap().last_export,
        Some(ExportOutcome::Failed { .. })
    ));
    assert!(matches!(
        f.screens
            .export_report(ExportFormat::Csv, 7, "x.csv", noon_ms()),
        Err(ScreenError::InvalidInput(_))
    ));
    assert!(matches!(
        f.screens
            .export_report(ExportFormat::Json, 30, f.path.to_str().unwrap(), noon_ms()),
        Err(ScreenError::InvalidInput(_))
    ));
}

#[test]
fn report_export_writes_html_csv_and_json_files() {
    let f = fixture();
    // The report reads the real clock for "today"; record around now so the period holds data.
    let now = ScreenModel::now_ms();
    record_hours(&f.screens, now - 3_600_000, 1, 2);
    let out = tempfile::tempdir().unwrap();
    for format in [ExportFormat::Html, ExportFormat::Csv, ExportFormat::Json] {
        let path = out
            .path()
            .join(format!("twitchwatch.{}", format.extension()));
        let s = f
            .screens
            .export_report(format, 30, path.to_str().unwrap(), now)
            .unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        match s.last_export {
            Some(ExportOutcome::Written { bytes, .. }) => assert_eq!(bytes, text.len() as u64),
            other => panic!("{format:?}: {other:?}"),
        }
        match format {
            ExportFormat::Html => assert!(text.contains("not a medical device")),
            ExportFormat::Csv => assert!(text.lines().count() >= 2, "header and days: {text}"),
            ExportFormat::Json => assert!(serde_json::from_str::<serde_json::Value>(&text).is_ok()),
        }
    }
}

#[test]
fn screen_model_is_shareable_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<ScreenModel>();
    let f = fixture();
    let screens = Arc::new(f.screens);
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let s = screens.clone();
            std::thread::spawn(move || {
                let t = noon_ms() + i;
                s.start_scan(t).unwrap();
                s.today(t).unwrap();
                s.history(HistoryRange::Week, t).unwrap();
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
}
