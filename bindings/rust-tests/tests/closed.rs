//! After `closeStore()` every call on the object's areas that reaches the device or the store is
//! `InvalidState`, also the ones that need no store to do their work.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use twitchwatch_app::data::OpenOptions;
use twitchwatch_ffi::{TwitchWatch, TwitchWatchError};

#[test]
fn a_scan_after_close_store_is_invalid_state_and_starts_no_bluetooth() {
    let dir = tempfile::tempdir().unwrap();
    let tw = TwitchWatch::open(
        dir.path().join("store").display().to_string(),
        OpenOptions::default(),
    )
    .unwrap();
    let devices = tw.devices();
    tw.close_store();
    // The answer must come before any Bluetooth work: the first poll is ready, without a runtime.
    let mut scan = pin!(devices.scan(1));
    match scan.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(Err(TwitchWatchError::InvalidState { .. })) => {}
        Poll::Ready(other) => panic!("a scan after close answered {other:?}"),
        Poll::Pending => panic!("a scan after close started scanning"),
    }
}

#[test]
fn a_demo_session_after_close_store_is_invalid_state_whatever_the_arguments() {
    let dir = tempfile::tempdir().unwrap();
    let tw = TwitchWatch::open(
        dir.path().join("store").display().to_string(),
        OpenOptions::default(),
    )
    .unwrap();
    let screens = tw.screens();
    tw.close_store();
    for scenario in [
        Some("no such scenario".to_owned()),
        Some("rest".to_owned()),
        None,
    ] {
        let err = screens.start_demo_session(scenario, 0.0, None).err();
        assert!(
            matches!(err, Some(TwitchWatchError::InvalidState { .. })),
            "{err:?}"
        );
    }
}
