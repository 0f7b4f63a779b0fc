//! Journal entries and check-ins on disk: validation, edit, delete, ids, reopen.

use jiff::civil::date;
use twitchwatch_journal::JournalStore;
use twitchwatch_journal::{
    BodySite, CheckIn, Drink, JournalEntry, JournalError, Medication, MedicationClass, Symptom,
};
use twitchwatch_store::{Settings, Store, StoreOptions};

fn store(dir: &std::path::Path) -> Store {
    let s = Store::open(dir, StoreOptions::default()).unwrap();
    s.set_settings(&Settings {
        time_zone: Some("America/Los_Angeles".into()),
        ..Settings::default()
    })
    .unwrap();
    s
}

/// 2026-03-10 07:00 UTC is still 2026-03-10 00:00 in Los Angeles (PDT, UTC-7).
const NOW: i64 = 1_773_126_000_000;

#[test]
fn journal_entries_validate_edit_delete_and_survive_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let today = date(2026, 3, 10);
    {
        let s = store(dir.path());
        let mut e = JournalEntry::new(today);
        e.add_drink(Drink::BrewedCoffee, 3)
            .add_drink(Drink::EnergyDrink, 2);
        e.sleep_hours = Some(5.5);
        e.medications.push(Medication {
            name: "Sertraline".into(),
            class: MedicationClass::Antidepressant,
            started_on: Some(date(2026, 3, 1)),
        });
        s.put_journal_entry(&e, NOW).unwrap();
        // Tomorrow in Los Angeles is a future day even though it is already later in UTC.
        let err = s
            .put_journal_entry(&JournalEntry::new(date(2026, 3, 11)), NOW)
            .unwrap_err();
        assert!(matches!(err, JournalError::FutureDate { .. }), "{err}");
        let mut bad = JournalEntry::new(date(2026, 3, 9));
        bad.stress_0_10 = Some(12);
        assert!(s.put_journal_entry(&bad, NOW).is_err());
        assert_eq!(
            s.journal_entry(date(2026, 3, 9)).unwrap(),
            None,
            "nothing stored"
        );
    }
    let s = Store::open(dir.path(), StoreOptions::default()).unwrap();
    let e = s.journal_entry(today).unwrap().unwrap();
    assert_eq!(e.caffeine_mg, Some(3.0 * 95.0 + 2.0 * 80.0));
    // An edit that breaks validation is refused and leaves the entry as it was.
    let err = s
        .edit_journal_entry(today, NOW, |e| e.sleep_hours = Some(30.0))
        .unwrap_err();
    assert!(err.to_string().contains("sleep_hours"), "{err}");
    assert_eq!(
        s.journal_entry(today).unwrap().unwrap().sleep_hours,
        Some(5.5)
    );
    let edited = s
        .edit_journal_entry(today, NOW, |e| e.stress_0_10 = Some(8))
        .unwrap();
    assert_eq!(edited.stress_0_10, Some(8));
    assert!(matches!(
        s.edit_journal_entry(date(2026, 1, 1), NOW, |_| {}),
        Err(JournalError::NoEntry(_))
    ));
    assert_eq!(s.journal_entries(date(2026, 3, 1), today).unwrap().len(), 1);
    assert!(s.delete_journal_entry(today).unwrap());
    assert!(!s.delete_journal_entry(today).unwrap());
    assert!(s
        .journal_entries(date(2026, 3, 1), today)
        .unwrap()
        .is_empty());
}

#[test]
fn checkins_get_unique_ids_and_can_be_edited_and_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    let mut c = CheckIn::new(NOW - 1000);
    c.twitch_sites.insert(BodySite::Tongue);
    c.symptoms.insert(Symptom::DifficultySpeaking);
    let a = s.add_checkin(&c, NOW).unwrap();
    let b = s.add_checkin(&c, NOW).unwrap();
    assert_ne!(a.at_ms, b.at_ms, "same millisecond, distinct ids");
    assert_eq!(s.checkins_in_range(NOW - 10_000, NOW + 1).unwrap().len(), 2);
    let edited = s
        .edit_checkin(a.at_ms, NOW, |c| {
            c.symptoms.clear();
            c.note = "better today".into();
        })
        .unwrap();
    assert!(edited.symptoms.is_empty());
    assert_eq!(s.checkin(a.at_ms).unwrap().unwrap().note, "better today");
    assert!(s.delete_checkin(b.at_ms).unwrap());
    assert_eq!(s.checkins_in_range(i64::MIN, i64::MAX).unwrap().len(), 1);
    let future = CheckIn::new(NOW + 3_600_000);
    assert!(matches!(
        s.add_checkin(&future, NOW),
        Err(JournalError::FutureDate { .. })
    ));
}

#[test]
fn control_characters_and_empty_checkins_are_refused_and_nothing_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    let today = date(2026, 3, 10);
    let hostile = [
        "clear\u{1b}[2J",
        "title\u{1b}]0;x\u{7}",
        "over\rwrite",
        "nul\0",
        "c1\u{9b}31m",
        "evil\u{202e}txt.exe",
    ];
    for text in hostile {
        let mut e = JournalEntry::new(today);
        e.notes = text.into();
        let err = s.put_journal_entry(&e, NOW).unwrap_err();
        assert!(
            matches!(err, JournalError::ControlCharacter { field: "notes", .. }),
            "{text:?}: {err}"
        );
        let mut e = JournalEntry::new(today);
        e.medications.push(Medication {
            name: text.into(),
            class: MedicationClass::Other,
            started_on: None,
        });
        assert!(matches!(
            s.put_journal_entry(&e, NOW).unwrap_err(),
            JournalError::ControlCharacter {
                field: "medications",
                ..
            }
        ));
        let mut c = CheckIn::new(NOW - 1000);
        c.symptoms.insert(Symptom::Weakness);
        c.note = text.into();
        let err = s.add_checkin(&c, NOW).unwrap_err();
        assert!(
            matches!(err, JournalError::ControlCharacter { .. }),
            "{err}"
        );
        assert!(err.to_string().contains("U+"), "{err}");
    }
    assert_eq!(s.journal_entry(today).unwrap(), None);
    // A note keeps its line breaks and tabs; a medication name may not have them.
    let mut e = JournalEntry::new(today);
    e.notes = "slept badly\n\tcoffee at 9".into();
    s.put_journal_entry(&e, NOW).unwrap();
    e.medications.push(Medication {
        name: "two\nlines".into(),
        class: MedicationClass::Other,
        started_on: None,
    });
    assert!(s.put_journal_entry(&e, NOW).is_err());

    let err = s.add_checkin(&CheckIn::new(NOW - 1000), NOW).unwrap_err();
    assert!(matches!(err, JournalError::EmptyCheckIn), "{err}");
    let mut blank_note = CheckIn::new(NOW - 1000);
    blank_note.note = "   ".into();
    assert!(matches!(
        s.add_checkin(&blank_note, NOW).unwrap_err(),
        JournalError::EmptyCheckIn
    ));
    let mut noted = CheckIn::new(NOW - 1000);
    noted.note = "calm day".into();
    s.add_checkin(&noted, NOW).unwrap();
    assert_eq!(s.checkins_in_range(i64::MIN, i64::MAX).unwrap().len(), 1);
}
