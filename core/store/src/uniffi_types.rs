//! How the stored types that UniFFI has no built-in for cross the FFI. Registered once here, the
//! lowest crate that has them; the crates above borrow them with `uniffi::use_remote_type!`.

/// A local calendar day. It crosses the FFI as ISO-8601 text (`2026-11-25`): `LocalDate.parse` in
/// Kotlin, `ISO8601DateFormatter` in Swift, `date.fromisoformat` in Python. Not called `Date` there:
/// Swift's Foundation and Java have a `Date` of their own, and the apps use both.
pub type CalendarDay = jiff::civil::Date;

uniffi::custom_type!(CalendarDay, String, {
    remote,
    try_lift: |text| text.trim().parse::<CalendarDay>().map_err(|_| {
        uniffi::deps::anyhow::anyhow!("'{text}' is not a calendar date; use YYYY-MM-DD, e.g. 2026-11-25")
    }),
    lower: |date| date.to_string(),
});
