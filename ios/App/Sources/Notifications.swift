// UNUserNotificationCenter: authorization, posting the core's NotificationContent with its interruption
// level (urgent alerts are time-sensitive), and routing a tap to the alert it names.
import Foundation
import UserNotifications
import TwitchWatchCore

final class NotificationPoster: NSObject, UNUserNotificationCenterDelegate, @unchecked Sendable {
    private(set) var authorized = false
    /// Set by the app: where a tapped notification's deep link goes.
    var onOpen: ((URL) -> Void)?

    override init() {
        super.init()
        UNUserNotificationCenter.current().delegate = self
        UNUserNotificationCenter.current().getNotificationSettings { settings in
            self.authorized = settings.authorizationStatus == .authorized
        }
    }

    func requestAuthorization(done: @escaping (Bool) -> Void) {
        UNUserNotificationCenter.current().requestAuthorization(options: [.alert, .sound, .badge]) { granted, _ in
            self.authorized = granted
            DispatchQueue.main.async { done(granted) }
        }
    }

    func post(_ n: NotificationContent) {
        let content = UNMutableNotificationContent()
        content.title = n.title
        content.body = n.body
        content.threadIdentifier = n.groupKey
        content.relevanceScore = n.relevanceScore
        content.userInfo = ["deepLink": n.deepLink, "alertId": n.alertId]
        switch n.interruptionLevel {
        case .timeSensitive:
            content.interruptionLevel = .timeSensitive
            content.sound = .defaultCritical
        case .active:
            content.interruptionLevel = .active
            content.sound = .default
        case .passive:
            content.interruptionLevel = .passive
        }
        // Same identifier per alert: an escalation replaces the earlier notification.
        let request = UNNotificationRequest(identifier: "alert.\(n.alertId)", content: content, trigger: nil)
        UNUserNotificationCenter.current().add(request)
    }

    // Show alerts while the app is open, too.
    func userNotificationCenter(
        _ center: UNUserNotificationCenter,
        willPresent notification: UNNotification,
        withCompletionHandler completionHandler: @escaping (UNNotificationPresentationOptions) -> Void
    ) {
        completionHandler([.banner, .list, .sound])
    }

    func userNotificationCenter(
        _ center: UNUserNotificationCenter,
        didReceive response: UNNotificationResponse,
        withCompletionHandler completionHandler: @escaping () -> Void
    ) {
        if let link = response.notification.request.content.userInfo["deepLink"] as? String,
           let url = URL(string: link) {
            DispatchQueue.main.async { self.onOpen?(url) }
        }
        completionHandler()
    }
}
