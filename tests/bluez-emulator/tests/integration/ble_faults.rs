//! Fault injection through the emulator's hooks: repeated link loss, dropped / duplicated / reordered /
//! malformed notifications, slow and silent peripherals, control-point errors.

use crate::common::*;
use std::time::{Duration, Instant};
use twitchwatch_app::monitor::{Monitor, MonitorSettings};
use twitchwatch_device::link::{LinkConfig, LinkError, LinkSession};
use twitchwatch_model::{ConnectionState, MotorEvent};

fn is_streaming(c: &Collected) -> bool {
    c.states
        .last()
        .is_some_and(|(_, s)| *s == ConnectionState::Streaming)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_link_losses_all_recover_without_duplicates() {
    let ctl = control().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let monitor = Monitor::open(dir.path(), MonitorSettings::default()).expect("monitor");
    let device = wearable(100, false);
    monitor.store().pair_device(&device).expect("pair");
    let mut session = start(device);
    let mut all = collect_until(&mut session, Duration::from_secs(20), |c| {
        is_streaming(c) && c.samples >= 100
    })
    .await;
    assert!(all.failed.is_none(), "{:?}", all.failed);
    let down_ms = 400;
    for round in 0..20 {
        ctl.link_loss(WEARABLE_ADDRESS, down_ms)
            .await
            .expect("link loss");
        let back_at = Instant::now() + Duration::from_millis(u64::from(down_ms));
        // Streaming again, and at least one batch after it.
        let mut seen_loss = false;
        let got = collect_until(&mut session, Duration::from_secs(15), |c| {
            seen_loss |= c
                .states
                .iter()
                .any(|(_, s)| matches!(s, ConnectionState::Reconnecting { .. }));
            seen_loss && is_streaming(c) && !c.batches.is_empty()
        })
        .await;
        assert!(got.failed.is_none(), "round {round}: {:?}", got.failed);
        let streaming_at = got
            .states
            .iter()
            .rev()
            .find(|(_, s)| *s == ConnectionState::Streaming)
            .map(|(t, _)| *t)
            .unwrap_or_else(|| panic!("round {round}: never streaming again: {:?}", got.states));
        let recovery = streaming_at.saturating_duration_since(back_at);
        assert!(
            recovery <= Duration::from_secs(5),
            "round {round}: took {recovery:?} after the peripheral came back"
        );
        all.states.extend(got.states);
        all.samples += got.samples;
        all.batches.extend(got.batches);
        all.stats = got.stats.or(all.stats);
    }
    let tail = collect_until(&mut session, Duration::from_secs(5), |c| c.samples >= 100).await;
    all.batches.extend(tail.batches);
    let stats = tail.stats.or(all.stats).expect("stats reported");
    session.stop().await;

    let transitions: Vec<_> = all
        .states
        .iter()
        .filter(|(_, s)| !matches!(s, ConnectionState::Streaming))
        .map(|(_, s)| s.clone())
        .collect();
    assert_eq!(stats.reconnects, 20, "{stats:?} {transitions:?}");
    assert_no_overlap(&all.batches);
    let lost: u64 = all
        .batches
        .iter()
        .map(|b| u64::from(b.samples_lost_before))
        .sum();
    // Each outage is at least 400 ms at 100 Hz: the gap is counted, not hidden.
    assert!(lost >= 20 * 40, "lost {lost} samples");
    assert!(stats.samples_lost >= 20 * 40, "{stats:?}");

    let mut events: Vec<MotorEvent> = Vec::new();
    for b in &all.batches {
        events.extend(monitor.ingest(b).expect("ingest").events);
    }
    let stored = monitor
        .store()
        .events_in_range(0, i64::MAX)
        .expect("events");
    let mut starts: Vec<i64> = stored.iter().map(|e| e.start_ms).collect();
    let n = starts.len();
    starts.dedup();
    assert_eq!(starts.len(), n, "no duplicate events in the store");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_duplicated_reordered_notifications_are_accounted() {
    let ctl = control().await;
    let mut session = start(wearable(200, false));
    let warm = collect_until(&mut session, Duration::from_secs(20), |c| c.samples > 0).await;
    assert!(warm.failed.is_none(), "{:?}", warm.failed);
    for (kind, n) in [("drop", 3), ("duplicate", 4), ("reorder", 2)] {
        ctl.set_fault(WEARABLE_ADDRESS, kind, n).await.expect(kind);
        // Let the fault play out before the next one so they do not overlap.
        let _ = collect_until(&mut session, Duration::from_secs(3), |c| c.samples > 400).await;
    }
    let got = collect_until(&mut session, Duration::from_secs(10), |c| {
        c.stats.is_some() && c.samples > 200
    })
    .await;
    session.stop().await;
    let stats = got.stats.expect("stats");
    assert_eq!(stats.frames_missing, 3, "{stats:?}");
    assert_eq!(stats.frames_duplicate, 4, "{stats:?}");
    // Frames held behind the 3-frame gap count as reordered too, so at least the 2 swapped ones.
    assert!(stats.frames_reordered >= 2, "{stats:?}");
    assert_eq!(stats.frames_rejected, 0, "{stats:?}");
    assert!(stats.samples_lost > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_frames_are_rejected_and_streaming_goes_on() {
    let ctl = control().await;
    let mut session = start(wearable(100, true));
    let warm = collect_until(&mut session, Duration::from_secs(20), |c| c.samples > 0).await;
    assert!(warm.failed.is_none(), "{:?}", warm.failed);
    ctl.set_fault(WEARABLE_ADDRESS, "malformed", 5)
        .await
        .expect("fault");
    let got = collect_until(&mut session, Duration::from_secs(15), |c| {
        c.rejected.len() >= 5 && c.samples >= 300
    })
    .await;
    session.stop().await;
    assert!(got.failed.is_none(), "{:?}", got.failed);
    assert_eq!(got.rejected.len(), 5, "{:?}", got.rejected);
    assert!(
        got.rejected[0].contains("rejected frame"),
        "{}",
        got.rejected[0]
    );
    assert!(got.samples >= 300, "streaming continued");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polar_reordered_and_malformed_frames_do_not_break_the_stream() {
    let ctl = control().await;
    let mut session = start(polar_sensor(52));
    let warm = collect_until(&mut session, Duration::from_secs(20), |c| c.samples > 0).await;
    assert!(warm.failed.is_none(), "{:?}", warm.failed);
    ctl.set_fault(POLAR_ADDRESS, "reorder", 1).await.expect("f");
    ctl.set_fault(POLAR_ADDRESS, "malformed", 2)
        .await
        .expect("f");
    let got = collect_until(&mut session, Duration::from_secs(15), |c| {
        c.rejected.len() >= 2 && c.samples >= 200
    })
    .await;
    session.stop().await;
    assert!(got.failed.is_none(), "{:?}", got.failed);
    assert_eq!(got.rejected.len(), 2, "{:?}", got.rejected);
    assert!(got.rejected[0].contains("Polar"), "{}", got.rejected[0]);
    assert_no_overlap(&got.batches);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_peripheral_gives_a_timeout_error() {
    let ctl = control().await;
    ctl.set_fault(WEARABLE_ADDRESS, "silent", 1)
        .await
        .expect("fault");
    let mut session = start(wearable(100, false));
    let got = collect_until(&mut session, Duration::from_secs(20), |c| {
        c.failed.is_some()
    })
    .await;
    let failed = got.failed.expect("the session must fail, not hang");
    assert!(matches!(failed, LinkError::Timeout { .. }), "{failed:?}");
    let failed = failed.to_string();
    assert!(failed.contains("timed out"), "{failed}");
    assert!(failed.contains("control point"), "{failed}");
    assert_eq!(got.samples, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_peripheral_still_streams() {
    let ctl = control().await;
    ctl.set_fault(WEARABLE_ADDRESS, "slow", 1200)
        .await
        .expect("fault");
    let mut session = start(wearable(100, false));
    let got = collect_until(&mut session, Duration::from_secs(20), |c| {
        c.samples >= 100 || c.failed.is_some()
    })
    .await;
    session.stop().await;
    assert!(got.failed.is_none(), "{:?}", got.failed);
    assert!(got.samples >= 100);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn control_point_errors_are_readable() {
    let ctl = control().await;
    // Our protocol: status 6 = low battery.
    ctl.set_fault(WEARABLE_ADDRESS, "control-error", 6)
        .await
        .expect("fault");
    let mut session = start(wearable(100, false));
    let got = collect_until(&mut session, Duration::from_secs(20), |c| {
        c.failed.is_some()
    })
    .await;
    let failed = got.failed.expect("refused");
    assert!(matches!(failed, LinkError::Refused(_)), "{failed:?}");
    let failed = failed.to_string();
    assert!(failed.contains("battery"), "{failed}");

    // Polar: status 13 = device in charger.
    ctl.set_fault(POLAR_ADDRESS, "control-error", 13)
        .await
        .expect("fault");
    let mut session = start(polar_sensor(52));
    let got = collect_until(&mut session, Duration::from_secs(20), |c| {
        c.failed.is_some()
    })
    .await;
    let failed = got.failed.expect("refused");
    let failed = failed.to_string();
    assert!(failed.contains("charger"), "{failed}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn battery_changes_are_events() {
    let ctl = control().await;
    let mut session = start(wearable(100, false));
    let warm = collect_until(&mut session, Duration::from_secs(20), |c| c.samples > 0).await;
    assert!(warm.battery.contains(&87), "{:?}", warm.battery);
    ctl.set_battery(WEARABLE_ADDRESS, 42)
        .await
        .expect("battery");
    let got = collect_until(&mut session, Duration::from_secs(5), |c| {
        c.battery.contains(&42)
    })
    .await;
    session.stop().await;
    assert!(got.battery.contains(&42), "{:?}", got.battery);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polar_left_streaming_is_restarted_then_survives_a_link_loss() {
    let ctl = control().await;
    let device = polar_sensor_with(208, true);
    // A session that ends without stopping (a process that exited while connected) leaves the
    // sensor streaming: the next start answers "already in state".
    let mut first = start(device.clone());
    let warm = collect_until(&mut first, Duration::from_secs(20), |c| c.samples > 0).await;
    assert!(warm.failed.is_none(), "{:?}", warm.failed);
    drop(first);
    let mut second = start(device);
    let got = collect_until(&mut second, Duration::from_secs(20), |c| {
        (is_streaming(c) && c.samples >= 208) || c.failed.is_some()
    })
    .await;
    assert!(got.failed.is_none(), "{:?}", got.failed);
    assert!(got.batches.iter().any(|b| b.has_gyro()));
    ctl.link_loss(POLAR_ADDRESS, 300).await.expect("link loss");
    let mut seen_loss = false;
    let back = collect_until(&mut second, Duration::from_secs(15), |c| {
        seen_loss |= c
            .states
            .iter()
            .any(|(_, s)| matches!(s, ConnectionState::Reconnecting { .. }));
        seen_loss && is_streaming(c) && c.batches.iter().any(|b| b.has_gyro())
    })
    .await;
    second.stop().await;
    assert!(back.failed.is_none(), "{:?}", back.failed);
    assert!(seen_loss && is_streaming(&back), "{:?}", back.states);
    assert_no_overlap(&back.batches);
}

/// A peripheral sending ten times its configured rate, its frame times consistent with each other
/// (its clock runs fast), through btleplug and the monitor into a store on disk: what is delivered
/// is held to the rate over the time that really passed, the excess is counted in the stream's
/// statistics, and the stream goes on normally once the flood ends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wearable_flooding_at_ten_times_its_rate_is_held_to_it_and_counted() {
    let ctl = control().await;
    for (device, address) in [
        (wearable(100, true), WEARABLE_ADDRESS),
        (polar_sensor(52), POLAR_ADDRESS),
    ] {
        let rate = f64::from(device.sample_rate_hz);
        let dir = tempfile::tempdir().expect("tempdir");
        let monitor = Monitor::open(dir.path(), MonitorSettings::default()).expect("monitor");
        monitor.store().pair_device(&device).expect("pair");
        let mut session = start(device);
        let warm = collect_until(&mut session, Duration::from_secs(20), |c| {
            is_streaming(c) && c.samples >= 100
        })
        .await;
        assert!(warm.failed.is_none(), "{address}: {:?}", warm.failed);
        ctl.set_fault(address, "flood", 10).await.expect("flood");
        let flood_s = 8.0;
        let flood = collect_until(&mut session, Duration::from_secs_f64(flood_s), |_| false).await;
        ctl.set_fault(address, "flood", 0)
            .await
            .expect("flood ends");
        let after = collect_until(&mut session, Duration::from_secs(15), |c| {
            c.stats.is_some() && c.samples as f64 >= rate * 3.0
        })
        .await;
        session.stop().await;
        assert!(
            flood.failed.is_none() && after.failed.is_none(),
            "{address}"
        );
        let stats = after.stats.or(flood.stats).expect("stats reported");
        let dropped = stats.samples_dropped_time + stats.samples_dropped_rate;
        // The guard's allowance: 1.25 × the rate, a 5 s burst and 3 s of lead.
        let allowed = rate * (flood_s * 1.25 + 8.0);
        assert!(
            flood.samples as f64 <= allowed,
            "{address}: {} samples delivered in {flood_s} s at {rate} Hz",
            flood.samples
        );
        assert!(
            dropped as f64 >= rate * flood_s * 5.0,
            "{address}: the flood's excess is counted: {stats:?}"
        );
        assert!(
            after.samples as f64 >= rate * 3.0,
            "{address}: streaming goes on"
        );
        eprintln!(
            "{address}: {flood_s} s of a 10x flood at {rate} Hz: {} samples delivered, {dropped} dropped ({} for their times, {} over the rate)",
            flood.samples, stats.samples_dropped_time, stats.samples_dropped_rate
        );
        let mut batches = warm.batches;
        batches.extend(flood.batches);
        batches.extend(after.batches);
        assert_no_overlap(&batches);
        for b in &batches {
            monitor.ingest(b).expect("ingest");
        }
        monitor.finish_pipeline().expect("finish");
        let minutes = monitor
            .store()
            .minutes_in_range(0, i64::MAX)
            .expect("minutes");
        for m in &minutes {
            assert!(
                f64::from(m.samples_received) <= rate * 60.0 * 1.3,
                "{address}: minute {} holds {} samples",
                m.minute_start_ms,
                m.samples_received
            );
        }
        let now_ms = twitchwatch_app::monitor::now_ms();
        let events = monitor
            .store()
            .events_in_range(0, i64::MAX)
            .expect("events");
        assert!(
            events.iter().all(|e| e.end_ms <= now_ms + 3_000),
            "{address}: no event in the future"
        );
        ctl.reset().await.expect("reset");
    }
}

/// An app that stops reading for a while (a stalled listener, a slow phone): the link's queue holds at
/// most its configured length, what finds no room is dropped, counted and reported as lost before the
/// next batch, and the stream goes on when the app reads again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_app_that_falls_behind_costs_counted_batches_not_unbounded_memory() {
    let _ctl = control().await;
    let queue = 16;
    let mut session = LinkSession::start(
        wearable(400, true),
        LinkConfig {
            event_queue_len: queue,
            ..fast_config()
        },
    );
    let warm = collect_until(&mut session, Duration::from_secs(20), |c| {
        is_streaming(c) && c.samples >= 100
    })
    .await;
    assert!(warm.failed.is_none(), "{:?}", warm.failed);
    // 400 Hz in frames of 18 samples: 22 batches a second, so the queue is full within a second.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let got = collect_until(&mut session, Duration::from_secs(10), |c| {
        c.stats.is_some_and(|s| s.samples_dropped_backlog > 0) && c.samples >= 800
    })
    .await;
    session.stop().await;
    assert!(got.failed.is_none(), "{:?}", got.failed);
    let stats = got.stats.expect("stats reported");
    assert!(stats.samples_dropped_backlog >= 18 * 30, "{stats:?}");
    // Everything queued during the stall fits the queue; the rest is reported as a gap.
    let after_stall = got
        .batches
        .iter()
        .position(|b| b.samples_lost_before > 0)
        .expect("the dropped batches are reported as lost before the next one");
    assert!(after_stall <= queue, "{after_stall} batches were waiting");
    let lost = u64::from(got.batches[after_stall].samples_lost_before);
    assert!(
        lost >= stats.samples_dropped_backlog.min(18 * 30),
        "{lost} {stats:?}"
    );
    let mut all = warm.batches;
    all.extend(got.batches);
    assert_no_overlap(&all);
    eprintln!(
        "a 3 s stall at 400 Hz with a {queue}-event queue: {} samples dropped and counted, {lost} reported lost before the next batch",
        stats.samples_dropped_backlog
    );
}
