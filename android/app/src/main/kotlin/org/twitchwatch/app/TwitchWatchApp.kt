// The process-wide objects: one TwitchWatch (store + monitor) and its Screens, the notification
// channels the core lists, and the alert listener that turns core alerts into posted notifications.
package org.twitchwatch.app

import android.app.Application
import java.io.File
import org.twitchwatch.core.alerts.Alert
import org.twitchwatch.core.AlertListener
import org.twitchwatch.core.ListenerHandle
import org.twitchwatch.core.Screens
import org.twitchwatch.core.TwitchWatch
import org.twitchwatch.core.app.NotificationContent
import org.twitchwatch.core.app.OpenOptions
import org.twitchwatch.core.notificationChannels
import org.twitchwatch.shell.NotificationRouter

class TwitchWatchApp : Application() {
    lateinit var core: TwitchWatch
        private set
    lateinit var screens: Screens
        private set
    val router = NotificationRouter()
    private lateinit var alertRegistration: ListenerHandle

    override fun onCreate() {
        super.onCreate()
        // App-private storage: the history never leaves the phone unless the user exports it.
        core = TwitchWatch.open(File(filesDir, "store").absolutePath, OpenOptions())
        screens = core.screens()
        Notifier.createChannels(this, router.channels(notificationChannels()))
        // Called on a core thread for each new or escalated alert, with the content the core computed.
        // Held for the app's lifetime: letting the handle go would unregister the listener.
        alertRegistration = core.alerts().addListener(object : AlertListener {
            override fun onAlert(alert: Alert, notification: NotificationContent) {
                Notifier.post(this@TwitchWatchApp, router.plan(notification))
            }
        })
        DailyTickWorker.schedule(this)
    }

    companion object {
        const val TAG = "TwitchWatch"
    }
}
