//! The task screens over a real store: recording tapping and grip sessions through the monitor, the
//! list's standing against the baseline, a sustained decline raising its alert in the recording call,
//! and refused input storing nothing.

use twitchwatch_app::monitor::{Monitor, MonitorSettings};
use twitchwatch_app::screens::*;
use twitchwatch_tasks::{GripInput, Hand, SessionStatus, Tap, TappingInput, TaskKind, TaskStore};

const DAY_MS: i64 = 86_400_000;

fn tapping(hand: Hand, started_at_ms: i64, count: u32) -> TappingInput {
    let step = 20_000.0 / count as f64;
    TappingInput {
        hand,
        started_at_ms,
        duration_ms: 20_000.0,
        targets: vec![],
        taps: (0..count)
            .map(|i| Tap {
                t_ms: i as f64 * step,
                x_pt: 10.0,
                y_pt: 10.0,
            })
            .collect(),
    }
}

#[test]
fn tapping_sessions_form_a_baseline_and_a_sustained_decline_raises_coordination_loss_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let screens =
        ScreenModel::new(Monitor::open(&dir.path().join("s"), MonitorSettings::default()).unwrap());
    let now = ScreenModel::now_ms();
    let state = screens.tasks().unwrap();
    assert_eq!(state.cards.len(), TaskKind::ALL.len());
    assert!(state.cards.iter().all(|c| c.hands.is_empty()));
    assert!(state
        .grip_proxy_limits
        .contains("Neither measures grip force"));
    let tremor = state
        .cards
        .iter()
        .find(|c| c.kind == TaskKind::TremorRest)
        .unwrap();
    assert!(tremor.needs_wearable && tremor.duration_s == 30);

    for (i, count) in [96u32, 100, 98].into_iter().enumerate() {
        let start = now - (10 - i as i64) * DAY_MS;
        let out = screens
            .record_tapping(tapping(Hand::Left, start, count), now)
            .unwrap();
        assert_eq!(out.alerts_raised, 0);
        assert_eq!(out.standing.baseline_sessions_needed, 2 - i as u32);
    }
    let card = |s: &TasksState| {
        s.cards
            .iter()
            .find(|c| c.kind == TaskKind::Tapping)
            .unwrap()
            .hands[0]
            .clone()
    };
    assert!(card(&screens.tasks().unwrap())
        .summary
        .starts_with("Within your usual range"));

    // Two slow sessions: worse, not yet sustained.
    for d in [5, 4] {
        let out = screens
            .record_tapping(tapping(Hand::Left, now - d * DAY_MS, 60), now)
            .unwrap();
        assert_eq!(out.standing.latest_status, Some(SessionStatus::Worse));
        assert!(!out.standing.declining);
        assert_eq!(out.alerts_raised, 0);
    }
    // The third, on a third day, makes it sustained and raises the alert in the same call.
    let out = screens
        .record_tapping(tapping(Hand::Left, now - 3 * DAY_MS, 61), now)
        .unwrap();
    assert!(out.standing.declining, "{:?}", out.standing);
    assert_eq!(out.alerts_raised, 1);
    assert!(out.lines[0].starts_with("61 taps in 20 s"));
    assert!(card(&screens.tasks().unwrap())
        .summary
        .starts_with("Lower than your baseline in 3 sessions on 3 days"));
    let alerts = screens.monitor().alerts().alerts().unwrap();
    assert!(alerts
        .iter()
        .any(|a| a.id == "coordination_loss" && a.is_live()));
}

#[test]
fn bad_task_input_is_an_invalid_input_error_and_nothing_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let screens =
        ScreenModel::new(Monitor::open(&dir.path().join("s"), MonitorSettings::default()).unwrap());
    let now = ScreenModel::now_ms();
    let mut reversed = tapping(Hand::Right, now - 60_000, 10);
    reversed.taps.reverse();
    let err = screens.record_tapping(reversed, now).unwrap_err();
    assert!(
        matches!(&err, ScreenError::InvalidInput(m) if m.contains("time order")),
        "{err}"
    );
    let future = tapping(Hand::Right, now + DAY_MS, 10);
    assert!(screens
        .record_tapping(future, now)
        .unwrap_err()
        .to_string()
        .contains("in the future"));
    let empty = GripInput {
        hand: Hand::Left,
        started_at_ms: now - 60_000,
        held_ms: 0.0,
        samples: vec![],
        self_rated_grip_0_10: None,
        dynamometer_kg: None,
    };
    assert!(screens
        .record_grip(empty.clone(), now)
        .unwrap_err()
        .to_string()
        .contains("empty"));
    assert!(screens
        .monitor()
        .store()
        .all_task_results()
        .unwrap()
        .is_empty());
    let rated = GripInput {
        self_rated_grip_0_10: Some(7),
        ..empty
    };
    let out = screens.record_grip(rated, now).unwrap();
    assert_eq!(out.lines, vec!["your grip today: 7/10".to_string()]);
    assert_eq!(
        screens.monitor().store().all_task_results().unwrap().len(),
        1
    );
}

/// Everything the task screens say comes from the view state: the card's button and "not ready"
/// note (gone once the wearable streams), the hands in the order offered, the grip question and its
/// scale, the running tasks' counting lines, and the result card's hand.
#[test]
fn the_task_screens_texts_come_from_the_view_state() {
    let dir = tempfile::tempdir().unwrap();
    let screens =
        ScreenModel::new(Monitor::open(&dir.path().join("s"), MonitorSettings::default()).unwrap());
    let state = screens.tasks().unwrap();
    let card =
        |s: &TasksState, kind: TaskKind| s.cards.iter().find(|c| c.kind == kind).unwrap().clone();
    assert_eq!(card(&state, TaskKind::Tapping).start_label, "Start (20 s)");
    assert_eq!(card(&state, TaskKind::Tapping).not_ready_note, None);
    let rest = card(&state, TaskKind::TremorRest);
    assert_eq!(rest.start_label, "Start (30 s)");
    assert!(rest
        .not_ready_note
        .as_deref()
        .is_some_and(|n| n.starts_with("Start monitoring with the sensor on")));
    screens.report_connection(twitchwatch_model::ConnectionState::Streaming);
    let streaming = screens.tasks().unwrap();
    assert_eq!(card(&streaming, TaskKind::TremorRest).not_ready_note, None);

    let texts = &state.texts;
    let hands: Vec<(Hand, &str, &str)> = texts
        .hands
        .iter()
        .map(|h| (h.hand, h.label.as_str(), h.start_label.as_str()))
        .collect();
    assert_eq!(
        hands,
        [
            (Hand::Right, "Right", "Start: Right hand"),
            (Hand::Left, "Left", "Start: Left hand")
        ]
    );
    assert_eq!(
        texts.hands[0].hold_start_label,
        "Start the hold: Right hand"
    );
    let q = &texts.grip_question;
    assert_eq!(q.question, "How strong is your grip in this hand today?");
    assert_eq!((q.lowest, q.highest, q.initial), (0, 10, 5));
    assert_eq!(
        (q.lowest_label.as_str(), q.highest_label.as_str()),
        ("0 = cannot grip", "10 = as strong as ever")
    );
    assert_eq!(
        tapping_progress_label(Hand::Left, 12, 1),
        "Left hand: 12 s left · 1 tap"
    );
    assert_eq!(
        tapping_progress_label(Hand::Right, 0, 40),
        "Right hand: 0 s left · 40 taps"
    );
    assert_eq!(hold_progress_label(7), "Hold it… 7 s");
    assert_eq!(seconds_left_label(30), "30 s");

    let now = ScreenModel::now_ms();
    let out = screens
        .record_tapping(tapping(Hand::Left, now - 60_000, 90), now)
        .unwrap();
    assert_eq!(out.hand_label, "Left");
    assert_eq!(out.standing.hand_label, "Left");
}
