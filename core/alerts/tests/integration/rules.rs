//! Red-flag rules, lifestyle links and alerts over simulated 90+-day histories in a real store.

use std::sync::{Arc, Mutex};
use twitchwatch_journal::JournalStore;

use crate::rules_support::*;
use jiff::civil::{date, Date};
use rand::Rng;
use twitchwatch_alerts::{
    Alert, AlertCenter, AlertListener, AlertPolicy, AlertStatus, ListenerError,
};
use twitchwatch_journal::{BodySite, CheckIn, Medication, MedicationClass, Symptom};
use twitchwatch_model::AlertSeverity;
use twitchwatch_rules::{Factor, RuleId, RulesError};

const TODAY: Date = date(2026, 6, 30);
const DAYS: i64 = 120;

fn ids(alerts: &[Alert]) -> Vec<&str> {
    alerts.iter().map(|a| a.id.as_str()).collect()
}

/// 92 quiet days, then 28 days of twitching with no lifestyle factor; journal kept throughout.
fn unexplained_persistence(seed: u64) -> History {
    let mut h = History::new(TODAY, DAYS, seed);
    h.fill(|rng, i, d| {
        let twitches = if i >= DAYS - 28 {
            twitchy(rng)
        } else {
            background(rng)
        };
        plan(twitches, Some(calm_journal(d, rng)))
    });
    h
}

/// Same shape, but in the last four weeks twitching happens only on high-caffeine days
/// (20 of 28); caffeine is high on a few earlier days too, with background twitching.
fn caffeine_only(seed: u64) -> History {
    let mut h = History::new(TODAY, DAYS, seed);
    h.fill(|rng, i, d| {
        let mut j = calm_journal(d, rng);
        let last4 = i >= DAYS - 28;
        let high = if last4 { (i % 7) < 5 } else { i % 9 == 0 };
        if high {
            j.caffeine_mg = Some(rng.gen_range(450.0..700.0));
        }
        let twitches = if last4 && high {
            twitchy(rng)
        } else {
            background(rng)
        };
        plan(twitches, Some(j))
    });
    h
}

#[test]
fn a_quiet_history_raises_nothing() {
    let mut h = History::new(TODAY, DAYS, 1);
    h.fill(|rng, _, d| plan(background(rng), Some(calm_journal(d, rng))));
    let center = AlertCenter::new(h.store.clone());
    assert!(center.evaluate(&h.store, h.now_ms()).unwrap().is_empty());
    let assessment = center.assess(&h.store, h.now_ms()).unwrap();
    assert!(assessment.findings.is_empty());
    assert!(!assessment.persistence.fires);
    assert!(assessment.links.iter().all(|l| !l.linked));
}

#[test]
fn four_weeks_of_unexplained_twitching_fires_persistence() {
    let h = unexplained_persistence(2);
    let center = AlertCenter::new(h.store.clone());
    let raised = center.evaluate(&h.store, h.now_ms()).unwrap();
    assert_eq!(ids(&raised), vec!["persistence"], "{raised:#?}");
    let a = &raised[0];
    assert_eq!(a.severity, AlertSeverity::SeeADoctor);
    assert_eq!(a.rule, RuleId::Persistence);
    assert!(a.message.contains("see a doctor"), "{}", a.message);
    // Evidence names the twitching days in the window (all 21 are unexplained).
    assert_eq!(a.evidence.days.len(), 21);
    assert!(a.evidence.days.iter().all(|d| *d > date(2026, 6, 9)));
    assert!(
        a.evidence.facts[0].contains("21 of 21"),
        "{:?}",
        a.evidence.facts
    );
}

#[test]
fn four_weeks_of_twitching_on_high_caffeine_days_only_gives_advice_not_persistence() {
    let h = caffeine_only(3);
    let center = AlertCenter::new(h.store.clone());
    let assessment = center.assess(&h.store, h.now_ms()).unwrap();
    // Without the explanation this would be persistence: most monitored days are twitching days.
    let w = &assessment.persistence;
    assert!(w.twitch_days.len() as f64 >= 0.6 * w.monitored_days as f64);
    assert_eq!(w.explained_days.len(), w.twitch_days.len());
    assert!(!w.fires);

    let raised = center.evaluate(&h.store, h.now_ms()).unwrap();
    assert_eq!(ids(&raised), vec!["lifestyle:caffeine"], "{raised:#?}");
    let advice = &raised[0];
    assert_eq!(advice.severity, AlertSeverity::Advice);
    assert!(
        advice
            .message
            .contains("× more frequent on days above 400 mg caffeine"),
        "{}",
        advice.message
    );
    let link = advice.evidence.link.as_ref().unwrap();
    assert_eq!(link.factor, Factor::HighCaffeine);
    assert!(link.rate_ratio.unwrap() > 2.0);
    assert!(link.p_adjusted < 0.05);
    // No other factor is claimed.
    let claimed: Vec<_> = assessment.links.iter().filter(|l| l.linked).collect();
    assert_eq!(claimed.len(), 1);
}

#[test]
fn too_few_days_means_no_claim() {
    // Four high-caffeine twitching days only: below the six-days-each minimum.
    let mut h = History::new(TODAY, DAYS, 4);
    h.fill(|rng, i, d| {
        let mut j = calm_journal(d, rng);
        let high = i >= DAYS - 4;
        if high {
            j.caffeine_mg = Some(600.0);
        }
        plan(if high { 40 } else { background(rng) }, Some(j))
    });
    let center = AlertCenter::new(h.store.clone());
    let a = center.assess(&h.store, h.now_ms()).unwrap();
    let caffeine = a
        .links
        .iter()
        .find(|l| l.factor == Factor::HighCaffeine)
        .unwrap();
    assert_eq!(caffeine.days_with, 4);
    assert!(!caffeine.enough_data);
    assert!(!caffeine.linked);
    assert!(a.findings.is_empty(), "{:#?}", a.findings);
}

#[test]
fn a_recently_started_stimulant_explains_the_twitching() {
    let mut h = History::new(TODAY, DAYS, 5);
    let started = date(2026, 6, 6); // 25 days before today
    h.fill(|rng, _, d| {
        let mut j = calm_journal(d, rng);
        let on_med = d >= started;
        if on_med {
            j.medications.push(Medication {
                name: "Salbutamol".into(),
                class: MedicationClass::Stimulant,
                started_on: Some(started),
            });
        }
        plan(
            if on_med {
                twitchy(rng)
            } else {
                background(rng)
            },
            Some(j),
        )
    });
    let center = AlertCenter::new(h.store.clone());
    let raised = center.evaluate(&h.store, h.now_ms()).unwrap();
    assert_eq!(
        ids(&raised),
        vec!["lifestyle:stimulant_started"],
        "{raised:#?}"
    );
    assert!(raised[0].message.contains("stimulant"));
}

#[test]
fn a_swallowing_checkin_fires_urgent_within_the_same_call_and_escalates() {
    let h = unexplained_persistence(6);
    let center = AlertCenter::new(h.store.clone());
    let first = center.evaluate(&h.store, h.now_ms()).unwrap();
    assert_eq!(ids(&first), vec!["persistence"]);

    let mut c = CheckIn::new(h.now_ms());
    c.symptoms.insert(Symptom::DifficultySwallowing);
    c.twitch_sites.insert(BodySite::RightHand);
    let raised = center.record_checkin(&c, h.now_ms()).unwrap().alerts;
    assert_eq!(raised[0].id, "swallowing_or_speaking");
    assert_eq!(raised[0].severity, AlertSeverity::Urgent);
    assert!(raised[0]
        .message
        .contains("Seek immediate medical attention"));
    assert_eq!(raised[0].evidence.checkins, vec![h.now_ms()]);
    // The see-a-doctor persistence alert became urgent too, and listeners were told.
    let persistence = raised.iter().find(|a| a.id == "persistence").unwrap();
    assert_eq!(persistence.severity, AlertSeverity::Urgent);
    assert_eq!(persistence.escalated_from, Some(AlertSeverity::SeeADoctor));
}

#[test]
fn weakness_with_twitching_outranks_either_alone() {
    let now_checkin = |h: &History, symptoms: &[Symptom]| {
        let mut c = CheckIn::new(h.now_ms() - 3_600_000);
        c.symptoms.extend(symptoms.iter().copied());
        c
    };
    // Weakness alone: quiet history.
    let mut quiet = History::new(TODAY, DAYS, 7);
    quiet.fill(|rng, _, d| plan(background(rng), Some(calm_journal(d, rng))));
    let center = AlertCenter::new(quiet.store.clone());
    let alone = center
        .record_checkin(&now_checkin(&quiet, &[Symptom::Weakness]), quiet.now_ms())
        .unwrap()
        .alerts;
    assert_eq!(ids(&alone), vec!["weakness"]);
    let weakness_rank = alone[0].rank;

    // Twitching alone.
    let twitching = unexplained_persistence(8);
    let center = AlertCenter::new(twitching.store.clone());
    let alone = center
        .evaluate(&twitching.store, twitching.now_ms())
        .unwrap();
    let twitching_rank = alone[0].rank;

    // Both: one combined alert, ranked above each.
    let both = center
        .record_checkin(
            &now_checkin(&twitching, &[Symptom::Weakness]),
            twitching.now_ms(),
        )
        .unwrap()
        .alerts;
    let combined = both
        .iter()
        .find(|a| a.id == "weakness_with_twitching")
        .unwrap_or_else(|| panic!("{both:#?}"));
    assert!(combined.rank > weakness_rank);
    assert!(combined.rank > twitching_rank);
    assert!(both.iter().all(|a| a.id != "weakness"));
    let listed = center.alerts().unwrap();
    assert_eq!(
        listed[0].id, "weakness_with_twitching",
        "highest rank first"
    );
}

#[test]
fn spread_coordination_and_wasting_fire_from_checkins_and_hands_alone_do_not() {
    let mut h = History::new(TODAY, DAYS, 9);
    h.fill(|rng, _, _| plan(background(rng), None));
    let center = AlertCenter::new(h.store.clone());
    let mut hands = CheckIn::new(h.now_ms() - 7_200_000);
    hands
        .twitch_sites
        .extend([BodySite::LeftHand, BodySite::RightHand]);
    let raised = center.record_checkin(&hands, h.now_ms()).unwrap().alerts;
    assert!(raised.is_empty(), "{raised:#?}");

    let mut spread = CheckIn::new(h.now_ms() - 3_600_000);
    spread
        .twitch_sites
        .extend([BodySite::Face, BodySite::Legs, BodySite::RightHand]);
    spread
        .symptoms
        .extend([Symptom::FineMotorDifficulty, Symptom::MuscleWasting]);
    let raised = center.record_checkin(&spread, h.now_ms()).unwrap().alerts;
    let mut got = ids(&raised);
    got.sort();
    assert_eq!(
        got,
        vec!["coordination_loss", "muscle_wasting", "spread_beyond_hands"]
    );
    let s = raised
        .iter()
        .find(|a| a.id == "spread_beyond_hands")
        .unwrap();
    assert!(s.message.contains("face") && s.message.contains("legs"));
    assert_eq!(s.evidence.checkins, vec![h.now_ms() - 3_600_000]);
    // Outside the 28-day window a check-in no longer counts; the alerts resolve.
    let later = h.at(date(2026, 8, 1), 12);
    assert!(center.evaluate(&h.store, later).unwrap().is_empty());
    assert!(center
        .alerts()
        .unwrap()
        .iter()
        .all(|a| a.status == AlertStatus::Resolved));
}

#[test]
fn acknowledged_alerts_do_not_refire_until_the_evidence_changes() {
    let h = unexplained_persistence(10);
    let center = AlertCenter::new(h.store.clone());
    let now = h.now_ms();
    assert_eq!(center.evaluate(&h.store, now).unwrap().len(), 1);
    // Same evidence again (the daily tick, a new minute): no repeat.
    assert!(center.evaluate(&h.store, now + 60_000).unwrap().is_empty());
    let acked = center.acknowledge("persistence", now + 120_000).unwrap();
    assert_eq!(acked.status, AlertStatus::Acknowledged);
    // Long after every cool-down, unchanged evidence stays quiet and acknowledged.
    let mut c = CheckIn::new(now + 1_000);
    c.twitch_sites.insert(BodySite::LeftHand);
    h.store.add_checkin(&c, now + 1_000).unwrap();
    assert!(center
        .evaluate(&h.store, now + 86_400_000 / 2)
        .unwrap()
        .is_empty());
    let a = center.alert("persistence").unwrap().unwrap();
    assert_eq!(a.status, AlertStatus::Acknowledged);

    // New evidence: a coordination problem is a new alert; persistence itself stays quiet.
    let mut coord = CheckIn::new(now + 3_600_000);
    coord.symptoms.insert(Symptom::FineMotorDifficulty);
    let raised = center
        .record_checkin(&coord, now + 3_600_000)
        .unwrap()
        .alerts;
    assert_eq!(ids(&raised), vec!["coordination_loss"]);
    center
        .acknowledge("coordination_loss", now + 3_700_000)
        .unwrap();
    // A second report of the same symptom inside the cool-down: quiet; after it: re-fires.
    let mut again = CheckIn::new(now + 4_000_000);
    again.symptoms.insert(Symptom::FineMotorDifficulty);
    let raised = center
        .record_checkin(&again, now + 4_000_000)
        .unwrap()
        .alerts;
    assert!(raised.is_empty(), "{raised:#?}");
    let raised = center.evaluate(&h.store, now + 4 * 86_400_000).unwrap();
    assert_eq!(ids(&raised), vec!["coordination_loss"]);
    assert_eq!(raised[0].times_notified, 2);

    // Escalation always breaks through an acknowledgement.
    let mut bulbar = CheckIn::new(now + 4 * 86_400_000 + 1);
    bulbar.symptoms.insert(Symptom::DifficultySpeaking);
    let raised = center
        .record_checkin(&bulbar, now + 4 * 86_400_000 + 1)
        .unwrap()
        .alerts;
    assert!(raised
        .iter()
        .any(|a| a.id == "persistence" && a.severity == AlertSeverity::Urgent));
}

#[test]
fn persistence_that_continues_for_another_window_is_new_evidence() {
    let mut h = History::new(TODAY, DAYS, 11);
    // Twitching for the last 42 days: two full 21-day windows.
    h.fill(|rng, i, d| {
        let t = if i >= DAYS - 42 {
            twitchy(rng)
        } else {
            background(rng)
        };
        plan(t, Some(calm_journal(d, rng)))
    });
    let center = AlertCenter::new(h.store.clone());
    // Evaluated 21 days ago (one window), acknowledged, then evaluated today (two windows).
    let earlier = h.at(date(2026, 6, 9), 20);
    let raised = center.evaluate(&h.store, earlier).unwrap();
    assert_eq!(ids(&raised), vec!["persistence"]);
    center.acknowledge("persistence", earlier + 1).unwrap();
    let raised = center.evaluate(&h.store, h.now_ms()).unwrap();
    assert_eq!(ids(&raised), vec!["persistence"]);
    assert!(
        raised[0].message.contains("about 6 weeks"),
        "{}",
        raised[0].message
    );
}

fn tremor_history(growing: bool, seed: u64) -> History {
    let mut h = History::new(TODAY, DAYS, seed);
    h.fill(|rng, i, d| {
        let (minutes, episodes) = if growing && i >= DAYS - 28 {
            (rng.gen_range(6..=12), rng.gen_range(3..=5))
        } else {
            (rng.gen_range(0..=2), 1)
        };
        DayPlan {
            twitches: background(rng),
            tremor_minutes: minutes,
            tremor_episodes: episodes,
            worn_minutes: 120,
            journal: Some(calm_journal(d, rng)),
            ..DayPlan::default()
        }
    });
    h
}

#[test]
fn tremor_growing_over_weeks_fires_and_stable_tremor_does_not() {
    let stable = tremor_history(false, 12);
    let center = AlertCenter::new(stable.store.clone());
    assert!(center
        .evaluate(&stable.store, stable.now_ms())
        .unwrap()
        .is_empty());

    let growing = tremor_history(true, 13);
    let center = AlertCenter::new(growing.store.clone());
    let raised = center.evaluate(&growing.store, growing.now_ms()).unwrap();
    assert_eq!(ids(&raised), vec!["tremor_progression"], "{raised:#?}");
    let a = &raised[0];
    assert!(a.message.contains("essential tremor"));
    assert_eq!(a.evidence.events.len(), 5, "longest recent episodes cited");
    assert!(a
        .evidence
        .events
        .windows(2)
        .all(|w| w[0].end_ms - w[0].start_ms >= w[1].end_ms - w[1].start_ms));
}

#[test]
fn thresholds_move_only_within_safe_bounds_and_change_the_outcome() {
    let h = unexplained_persistence(14);
    let center = AlertCenter::new(h.store.clone());
    let err = center
        .set_param("persistence.window_days", Some(3.0))
        .unwrap_err();
    assert!(
        matches!(err, RulesError::OutOfBounds { min, .. } if min == 14.0),
        "{err}"
    );
    assert!(center.set_param("no.such.rule", Some(1.0)).is_err());
    // Requiring 50 twitches a day silences persistence on this history.
    center
        .set_param("persistence.min_twitches_per_day", Some(50.0))
        .unwrap();
    assert!(center.evaluate(&h.store, h.now_ms()).unwrap().is_empty());
    center
        .set_param("persistence.min_twitches_per_day", None)
        .unwrap();
    assert_eq!(center.evaluate(&h.store, h.now_ms()).unwrap().len(), 1);
}

struct Recorder(Mutex<Vec<String>>);
impl AlertListener for Recorder {
    fn on_alert(&self, alert: &Alert) -> Result<(), ListenerError> {
        self.0.lock().unwrap().push(alert.id.clone());
        Ok(())
    }
}
struct Failing;
impl AlertListener for Failing {
    fn on_alert(&self, _: &Alert) -> Result<(), ListenerError> {
        Err(ListenerError("notification permission denied".into()))
    }
}
/// Calls back into the center from inside the callback (must not deadlock).
struct Acknowledger(Arc<AlertCenter>);
impl AlertListener for Acknowledger {
    fn on_alert(&self, alert: &Alert) -> Result<(), ListenerError> {
        self.0
            .acknowledge(&alert.id, alert.last_notified_ms + 1)
            .map(|_| ())
            .map_err(|e| ListenerError(e.to_string()))
    }
}

#[test]
fn listeners_get_each_alert_once_even_when_one_fails_or_calls_back() {
    let h = unexplained_persistence(15);
    let center = Arc::new(AlertCenter::with_policy(
        h.store.clone(),
        AlertPolicy::default(),
    ));
    let recorder = Arc::new(Recorder(Mutex::new(Vec::new())));
    center.add_listener(Arc::new(Failing));
    center.add_listener(recorder.clone());
    center.add_listener(Arc::new(Acknowledger(center.clone())));
    center.evaluate(&h.store, h.now_ms()).unwrap();
    center.evaluate(&h.store, h.now_ms() + 60_000).unwrap();
    assert_eq!(*recorder.0.lock().unwrap(), vec!["persistence".to_string()]);
    assert_eq!(
        center.alert("persistence").unwrap().unwrap().status,
        AlertStatus::Acknowledged
    );
    center.clear_listeners();
}

#[test]
fn alerts_resolve_when_the_pattern_stops() {
    let mut h = unexplained_persistence(16);
    let center = AlertCenter::new(h.store.clone());
    center.evaluate(&h.store, h.now_ms()).unwrap();
    // Three quiet weeks later persistence no longer holds.
    for d in 1..=21 {
        let date = TODAY.checked_add(jiff::Span::new().days(d)).unwrap();
        h.write_day(date, &plan(1, None));
    }
    h.extend_to(date(2026, 7, 21));
    // The daily tick alone (no new data) resolves it and applies retention.
    center
        .set_param("lifestyle.lookback_days", Some(28.0))
        .unwrap();
    let mut settings = h.store.settings().unwrap();
    settings.retention_days = Some(60);
    h.store.set_settings(&settings).unwrap();
    let (removed, raised) = center.daily_tick(h.now_ms()).unwrap();
    assert!(raised.is_empty());
    assert!(removed > 0, "days older than 60 were removed");
    let a = center.alert("persistence").unwrap().unwrap();
    assert_eq!(a.status, AlertStatus::Resolved);
    assert!(a.resolved_ms.is_some());
}

#[test]
fn damaged_alert_and_settings_records_never_block_red_flags() {
    let h = unexplained_persistence(17);
    let now = h.now_ms();
    AlertCenter::new(h.store.clone())
        .evaluate(&h.store, now)
        .unwrap();
    let History { dir, store, .. } = h;
    let path = store.path().to_path_buf();
    drop(store);
    {
        let db = (0..100)
            .find_map(|_| {
                sled::open(&path)
                    .map_err(|_| std::thread::sleep(std::time::Duration::from_millis(20)))
                    .ok()
            })
            .expect("reopen sled");
        db.open_tree("alerts")
            .unwrap()
            .insert("persistence", &[1u8, b'{'][..])
            .unwrap();
        db.open_tree("settings")
            .unwrap()
            .insert("settings", &[1u8, b'?'][..])
            .unwrap();
        db.flush().unwrap();
    }
    let store = twitchwatch_store::Store::open(&path, Default::default()).unwrap();
    let center = AlertCenter::new(store.clone());
    let raised = center.evaluate(&store, now + 60_000).unwrap();
    assert_eq!(ids(&raised), vec!["persistence"]);
    assert_eq!(
        store.check_integrity().unwrap().len(),
        1,
        "only the settings record is left damaged"
    );
    drop(dir);
}
