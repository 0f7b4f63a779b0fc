// The app's one TwitchWatch (store + monitor) and its Screens, opened in Application Support, plus the
// navigation state. Screen states come from the core; this object only fetches them and keeps errors.
import Foundation
import SwiftUI
import TwitchWatchCore

@MainActor
final class AppModel: ObservableObject {
    let core: TwitchWatch
    let screens: Screens
    let notifications: NotificationPoster
    /// Created at launch: iOS relaunches the app in the background for Bluetooth events and hands the
    /// restored connection to a central with the same restore identifier.
    let bluetooth: BluetoothCentral
    /// Held for the app's lifetime: letting the handle go would unregister the alert listener.
    private var alertRegistration: ListenerHandle?

    @Published var tab: Tab = .today
    /// An alert to show on top (a tapped notification or a banner).
    @Published var openAlertId: String?
    @Published var showOnboarding = false
    @Published var errorMessage: String?

    enum Tab: Hashable { case today, journal, history, alerts, report }

    init() {
        let dir = FileManager.default.urls(for: .applicationSupportDirectory, in: .userDomainMask)[0]
            .appendingPathComponent("TwitchWatch", isDirectory: true)
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        do {
            core = try TwitchWatch.open(dataDir: dir.appendingPathComponent("store").path, options: OpenOptions())
        } catch {
            // The store is the app: without it nothing works. The message says what to do.
            fatalError("TwitchWatch cannot open its data: \(error.localizedDescription)")
        }
        screens = core.screens()
        notifications = NotificationPoster()
        bluetooth = BluetoothCentral(core: core, screens: screens)
        alertRegistration = try? core.alerts().addListener(listener: AlertForwarder(poster: notifications))
        showOnboarding = (try? screens.startDestination(permissions: permissions)) == .onboarding
    }

    static func nowMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    var permissions: PlatformPermissions {
        PlatformPermissions(
            bluetoothGranted: BluetoothCentral.isAuthorized,
            notificationsGranted: notifications.authorized
        )
    }

    /// Runs a call into the core; a failure becomes the message shown on the current screen.
    func attempt<T>(_ call: () throws -> T) -> T? {
        do {
            let value = try call()
            errorMessage = nil
            return value
        } catch {
            errorMessage = error.localizedDescription
            return nil
        }
    }

    /// twitchwatch:// links from notification taps and the system.
    func open(_ url: URL) {
        switch destinationFromDeepLink(link: url.absoluteString) {
        case .alert(let alertId):
            tab = .alerts
            openAlertId = alertId
        case .alerts: tab = .alerts
        case .journal: tab = .journal
        case .history: tab = .history
        case .report: tab = .report
        case .onboarding, .pairing: showOnboarding = true
        case .today: tab = .today
        }
    }
}

/// Core alerts → posted notifications. Called on a background thread, outside any core lock.
/// The core computed the notification's content; this only posts it.
final class AlertForwarder: AlertListener, @unchecked Sendable {
    private let poster: NotificationPoster

    init(poster: NotificationPoster) {
        self.poster = poster
    }

    func onAlert(alert: TwitchWatchCore.Alert, notification: NotificationContent) throws {
        poster.post(notification)
    }
}
