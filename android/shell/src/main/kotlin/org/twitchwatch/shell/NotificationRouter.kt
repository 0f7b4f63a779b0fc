// Notification routing without Android types: channel plans from the core's specs, what to post for an
// alert (and whether it should alert again), and where a tapped notification leads.
package org.twitchwatch.shell

import org.twitchwatch.core.app.Destination
import org.twitchwatch.core.app.NotificationChannelSpec
import org.twitchwatch.core.app.NotificationContent
import org.twitchwatch.core.app.OngoingNotification
import org.twitchwatch.core.destinationFromDeepLink
import org.twitchwatch.core.model.AlertSeverity

/** One NotificationChannel to create (values are the android.app.NotificationManager constants). */
data class ChannelPlan(
    val id: String,
    val name: String,
    val description: String,
    val importance: Int,
    val vibrate: Boolean,
    val showBadge: Boolean,
)

/** Everything NotificationCompat.Builder needs for one alert. */
data class PostPlan(
    val notificationId: Int,
    val channelId: String,
    val title: String,
    val body: String,
    val publicTitle: String,
    val publicBody: String,
    /** NotificationCompat.PRIORITY_* for Android 7 and the heads-up decision: 1 = high. */
    val priority: Int,
    /** NotificationCompat.CATEGORY_* value. */
    val category: String,
    val headsUp: Boolean,
    /** true when this re-posts an alert the user was already alerted to at this severity. */
    val onlyAlertOnce: Boolean,
    val groupKey: String,
    val deepLink: String,
)

data class OngoingPlan(
    val notificationId: Int,
    val channelId: String,
    val title: String,
    val body: String,
    val publicBody: String,
    val deepLink: String,
    val stopActionLabel: String,
)

/** Keeps what was posted this process, so escalations alert and repeats do not. Thread-safe. */
class NotificationRouter {
    private val posted = HashMap<String, AlertSeverity>()

    fun channels(specs: List<NotificationChannelSpec>): List<ChannelPlan> = specs.map {
        ChannelPlan(it.id, it.name, it.description, it.importanceValue, it.vibrate, it.showBadge)
    }

    @Synchronized
    fun plan(n: NotificationContent): PostPlan {
        val before = posted[n.alertId]
        val escalates = before == null || n.severity.ordinal > before.ordinal
        if (escalates) posted[n.alertId] = n.severity
        return PostPlan(
            notificationId = n.notificationId,
            channelId = n.channelId,
            title = n.title,
            body = n.body,
            publicTitle = n.publicTitle,
            publicBody = n.publicBody,
            priority = when (n.severity) {
                AlertSeverity.URGENT -> 1
                AlertSeverity.SEE_A_DOCTOR -> 0
                AlertSeverity.ADVICE -> -1
                AlertSeverity.INFO -> -2
            },
            category = when (n.severity) {
                AlertSeverity.URGENT, AlertSeverity.SEE_A_DOCTOR -> "reminder"
                AlertSeverity.ADVICE -> "recommendation"
                AlertSeverity.INFO -> "status"
            },
            headsUp = n.headsUp,
            onlyAlertOnce = !escalates,
            groupKey = n.groupKey,
            deepLink = n.deepLink,
        )
    }

    /** Where a launch intent's data URI leads; a plain launch (no link) opens Today. */
    fun route(deepLink: String?): Destination =
        if (deepLink.isNullOrBlank()) Destination.Today else destinationFromDeepLink(deepLink)

    fun ongoing(n: OngoingNotification): OngoingPlan =
        OngoingPlan(ONGOING_ID, n.channelId, n.title, n.body, n.publicBody, n.deepLink, n.stopActionLabel)

    companion object {
        /** The foreground service's notification id; alert ids from the core are never 0 or 1. */
        const val ONGOING_ID = 1
    }
}
