//! What to type next. Core errors say what is wrong and nothing about a particular shell; the CLI knows
//! its own commands and adds the one that helps, here and only here.

use std::error::Error;

use twitchwatch_app::monitor::MonitorError;
use twitchwatch_journal::JournalError;
use twitchwatch_report::ReportError;
use twitchwatch_rules::RulesError;
use twitchwatch_store::StoreError;

/// The first command that helps with any error of the chain, if one does.
pub fn for_chain(e: &anyhow::Error) -> Option<String> {
    e.chain().find_map(hint)
}

/// A session's error as the CLI shows it: the core's sentence, then what to type.
pub fn describe(e: &MonitorError) -> String {
    with_hint(&e.to_string(), monitor(e))
}

/// `message`, followed by `hint` when there is one.
pub fn with_hint(message: &str, hint: Option<String>) -> String {
    match hint {
        Some(h) => format!("{message}; {h}"),
        None => message.to_string(),
    }
}

/// The command that helps with `e` itself (not its sources), when `e` is a core error that has one.
pub fn hint(e: &(dyn Error + 'static)) -> Option<String> {
    if let Some(e) = e.downcast_ref::<MonitorError>() {
        monitor(e)
    } else if let Some(e) = e.downcast_ref::<StoreError>() {
        store(e)
    } else if let Some(e) = e.downcast_ref::<RulesError>() {
        rules(e)
    } else if let Some(e) = e.downcast_ref::<JournalError>() {
        journal(e)
    } else if let Some(e) = e.downcast_ref::<ReportError>() {
        report(e)
    } else {
        None
    }
}

fn monitor(e: &MonitorError) -> Option<String> {
    match e {
        MonitorError::NoPairedDevice => {
            Some("pair one first: run `twitchwatch scan`, then `twitchwatch pair ID`".to_string())
        }
        MonitorError::Store(e) => store(e),
        MonitorError::Rules(e) => rules(e),
        _ => None,
    }
}

fn store(e: &StoreError) -> Option<String> {
    match e {
        StoreError::CorruptRecord { .. } => Some(
            "`twitchwatch history`, `report` and `export` skip such a record and show the rest"
                .to_string(),
        ),
        _ => None,
    }
}

fn rules(e: &RulesError) -> Option<String> {
    match e {
        RulesError::UnknownParameter { .. } => {
            Some("`twitchwatch rules list` shows them all".to_string())
        }
        RulesError::UnknownAlert(_) => Some("`twitchwatch alerts list` shows the ids".to_string()),
        RulesError::Store(e) => store(e),
        RulesError::Journal(e) => journal(e),
        _ => None,
    }
}

fn journal(e: &JournalError) -> Option<String> {
    match e {
        JournalError::NoEntry(date) => Some(format!(
            "add one first with `twitchwatch journal add --date {date}`"
        )),
        JournalError::NoCheckIn(_) => {
            Some("`twitchwatch checkin --list 30` shows the ids".to_string())
        }
        JournalError::Store(e) => store(e),
        _ => None,
    }
}

fn report(e: &ReportError) -> Option<String> {
    match e {
        ReportError::Store(e) => store(e),
        ReportError::Journal(e) => journal(e),
        ReportError::Rules(e) => rules(e),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn corrupt() -> StoreError {
        StoreError::CorruptRecord {
            tree: "events",
            key: "00".into(),
            reason: "truncated".into(),
        }
    }

    #[test]
    fn core_errors_name_no_command_and_the_cli_adds_one() {
        let cases: Vec<(anyhow::Error, &str)> = vec![
            (
                anyhow::Error::from(MonitorError::NoPairedDevice),
                "`twitchwatch scan`",
            ),
            (anyhow::Error::from(corrupt()), "`twitchwatch history`"),
            (
                anyhow::Error::from(MonitorError::Store(corrupt())),
                "`twitchwatch history`",
            ),
            (
                anyhow::Error::from(RulesError::UnknownParameter { key: "x".into() }),
                "`twitchwatch rules list`",
            ),
            (
                anyhow::Error::from(MonitorError::Rules(RulesError::UnknownAlert("x".into()))),
                "`twitchwatch alerts list`",
            ),
            (
                anyhow::Error::from(JournalError::NoEntry(jiff::civil::date(2020, 1, 2))),
                "`twitchwatch journal add --date 2020-01-02`",
            ),
            (
                anyhow::Error::from(RulesError::Journal(JournalError::NoCheckIn(5))),
                "`twitchwatch checkin --list 30`",
            ),
            (
                anyhow::Error::from(ReportError::Rules(RulesError::Store(corrupt()))),
                "`twitchwatch history`",
            ),
        ];
        for (e, command) in cases {
            let core = e.to_string();
            assert!(!core.contains("twitchwatch"), "core wording: {core}");
            let shown = with_hint(&format!("{e:#}"), for_chain(&e));
            assert!(shown.starts_with(&core), "{shown}");
            assert!(shown.contains(command), "{shown}");
        }
    }

    #[test]
    fn a_failed_session_is_shown_with_its_hint() {
        assert_eq!(
            describe(&MonitorError::NoPairedDevice),
            "no wearable is paired; pair one first: run `twitchwatch scan`, then `twitchwatch pair ID`"
        );
        let spawn = MonitorError::Spawn {
            what: "session thread",
            source: std::io::Error::other("no threads left"),
        };
        assert_eq!(
            describe(&spawn),
            "cannot start the session thread: no threads left"
        );
    }

    #[test]
    fn errors_without_a_command_to_type_are_shown_as_they_are() {
        let e = anyhow::Error::from(MonitorError::AlreadyRunning);
        assert_eq!(for_chain(&e), None);
        let e = anyhow::anyhow!("plain");
        assert_eq!(for_chain(&e), None);
    }
}
