// Android glue for notifications: creates the channels the core lists and posts the plans the shell's
// NotificationRouter makes. A tap opens the twitchwatch:// deep link in MainActivity.
package org.twitchwatch.app

import android.app.NotificationChannel
import android.app.NotificationManager
import android.app.PendingIntent
import android.content.Context
import android.content.Intent
import android.net.Uri
import androidx.core.app.NotificationCompat
import androidx.core.app.NotificationManagerCompat
import org.twitchwatch.shell.ChannelPlan
import org.twitchwatch.shell.OngoingPlan
import org.twitchwatch.shell.PostPlan

object Notifier {
    fun createChannels(context: Context, plans: List<ChannelPlan>) {
        val manager = context.getSystemService(NotificationManager::class.java)
        manager.createNotificationChannels(
            plans.map { p ->
                NotificationChannel(p.id, p.name, p.importance).apply {
                    description = p.description
                    enableVibration(p.vibrate)
                    setShowBadge(p.showBadge)
                    lockscreenVisibility = NotificationCompat.VISIBILITY_PRIVATE
                }
            },
        )
    }

    private fun openIntent(context: Context, requestCode: Int, deepLink: String): PendingIntent =
        PendingIntent.getActivity(
            context,
            requestCode,
            Intent(Intent.ACTION_VIEW, Uri.parse(deepLink), context, MainActivity::class.java)
                .addFlags(Intent.FLAG_ACTIVITY_SINGLE_TOP or Intent.FLAG_ACTIVITY_CLEAR_TOP),
            PendingIntent.FLAG_IMMUTABLE or PendingIntent.FLAG_UPDATE_CURRENT,
        )

    /** Posts (or replaces, same id) an alert notification. Silently skipped when notifications are off. */
    fun post(context: Context, plan: PostPlan) {
        val manager = NotificationManagerCompat.from(context)
        if (!manager.areNotificationsEnabled()) return
        val public = NotificationCompat.Builder(context, plan.channelId)
            .setSmallIcon(android.R.drawable.stat_sys_warning)
            .setContentTitle(plan.publicTitle)
            .setContentText(plan.publicBody)
            .build()
        val notification = NotificationCompat.Builder(context, plan.channelId)
            .setSmallIcon(android.R.drawable.stat_sys_warning)
            .setContentTitle(plan.title)
            .setContentText(plan.body)
            .setStyle(NotificationCompat.BigTextStyle().bigText(plan.body))
            .setPriority(plan.priority)
            .setCategory(plan.category)
            .setOnlyAlertOnce(plan.onlyAlertOnce)
            .setGroup(plan.groupKey)
            .setAutoCancel(true)
            .setVisibility(NotificationCompat.VISIBILITY_PRIVATE)
            .setPublicVersion(public)
            .setContentIntent(openIntent(context, plan.notificationId, plan.deepLink))
            .build()
        try {
            manager.notify(plan.notificationId, notification)
        } catch (e: SecurityException) {
            // POST_NOTIFICATIONS was revoked between the check and the call; the alert stays in the app.
        }
    }

    fun ongoing(context: Context, plan: OngoingPlan, stopIntent: PendingIntent) =
        NotificationCompat.Builder(context, plan.channelId)
            .setSmallIcon(android.R.drawable.stat_sys_data_bluetooth)
            .setContentTitle(plan.title)
            .setContentText(plan.body)
            .setOngoing(true)
            .setOnlyAlertOnce(true)
            .setVisibility(NotificationCompat.VISIBILITY_PRIVATE)
            .setPublicVersion(
                NotificationCompat.Builder(context, plan.channelId)
                    .setSmallIcon(android.R.drawable.stat_sys_data_bluetooth)
                    .setContentTitle("TwitchWatch")
                    .setContentText(plan.publicBody)
                    .build(),
            )
            .setContentIntent(openIntent(context, plan.notificationId, plan.deepLink))
            .addAction(0, plan.stopActionLabel, stopIntent)
            .setForegroundServiceBehavior(NotificationCompat.FOREGROUND_SERVICE_IMMEDIATE)
            .build()
}
