//! Enum variant names as users and files spell them.
//!
//! Each named enum derives its names (`strum::IntoStaticStr`, in the spelling its serde form and exports
//! use) and its list of variants (`strum::VariantArray`), so a new variant is named, listed in error
//! messages and accepted by parsers without a table to keep in step. Parsing stays with each type: what
//! a person may type (case, `-` for `_`, aliases) differs from one enum to the next.

use strum::VariantArray;

/// The variant whose name is exactly `name`; callers normalise what a person typed first.
pub fn find<T>(name: &str) -> Option<T>
where
    T: VariantArray + Copy + Into<&'static str>,
{
    T::VARIANTS
        .iter()
        .copied()
        .find(|v| Into::<&'static str>::into(*v) == name)
}

/// Every variant's name in declaration order, joined by ", " (for "use one of …" messages).
pub fn choices<T>() -> String
where
    T: VariantArray + Copy + Into<&'static str>,
{
    T::VARIANTS
        .iter()
        .map(|v| Into::<&'static str>::into(*v))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AlertSeverity, DeviceProtocol, MotorEventKind};

    #[test]
    fn names_are_the_serde_spellings() {
        assert_eq!(choices::<MotorEventKind>(), "fasciculation, tremor, spasm");
        assert_eq!(
            choices::<AlertSeverity>(),
            "info, advice, see_a_doctor, urgent"
        );
        assert_eq!(DeviceProtocol::TwitchWatchV1.as_str(), "twitchwatch-v1");
        assert_eq!(DeviceProtocol::PolarPmd.as_str(), "polar-pmd");
        assert_eq!(MotorEventKind::Spasm.to_string(), "spasm");
        assert_eq!(
            find::<AlertSeverity>("see_a_doctor"),
            Some(AlertSeverity::SeeADoctor)
        );
        assert_eq!("twitch".parse(), Ok(MotorEventKind::Fasciculation));
        assert_eq!(
            "Tremor".parse::<MotorEventKind>(),
            Err("unknown event kind 'Tremor': use fasciculation, tremor or spasm".to_string())
        );
    }
}
