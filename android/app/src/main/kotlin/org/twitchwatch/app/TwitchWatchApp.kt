// The process-wide objects: one TwitchWatch (store + monitor) opened with the data key the Keystore
// protects, and its Screens, the notification channels the core lists, and the alert listener that
// turns core alerts into posted notifications. When the key is lost the store stays closed and the
// activity offers to start over; "delete my data" replaces the store with an empty one.
package org.twitchwatch.app

import android.app.Application
import java.io.File
import org.twitchwatch.core.alerts.Alert
import org.twitchwatch.core.AlertListener
import org.twitchwatch.core.ListenerHandle
import org.twitchwatch.core.Screens
import org.twitchwatch.core.TwitchWatch
import org.twitchwatch.core.app.NotificationContent
import org.twitchwatch.core.notificationChannels
import org.twitchwatch.shell.DataKeys
import org.twitchwatch.shell.Deletion
import org.twitchwatch.shell.NotificationRouter
import org.twitchwatch.shell.StoreStart

class TwitchWatchApp : Application() {
    lateinit var core: TwitchWatch
        private set
    lateinit var screens: Screens
        private set
    val router = NotificationRouter()
    private var alertRegistration: ListenerHandle? = null

    /** Why the store is not open (a lost key, a failed open), or null when it is. */
    var problem: StoreStart? = null
        private set

    val isOpen: Boolean get() = problem == null && ::core.isInitialized

    // App-private storage: the history never leaves the phone unless the user exports it. The
    // wrapped key lives outside the store's folder (deleting the data must not depend on it) and in
    // the no-backup folder, so a backup or transfer never carries it.
    private val dataDir: String get() = File(filesDir, "store").absolutePath
    private val vault by lazy { KeystoreVault(File(noBackupFilesDir, "datakey.bin")) }

    override fun onCreate() {
        super.onCreate()
        Notifier.createChannels(this, router.channels(notificationChannels()))
        adopt(DataKeys.open(dataDir, vault))
        DailyTickWorker.schedule(this)
    }

    private fun adopt(start: StoreStart) {
        when (start) {
            is StoreStart.Opened -> {
                core = start.core
                screens = core.screens()
                problem = null
                // Called on a core thread for each new or escalated alert, with the content the core
                // computed. Held while the store is open: letting it go would unregister the listener.
                alertRegistration = core.alerts().addListener(object : AlertListener {
                    override fun onAlert(alert: Alert, notification: NotificationContent) {
                        Notifier.post(this@TwitchWatchApp, router.plan(notification))
                    }
                })
            }
            is StoreStart.KeyLost, is StoreStart.Failed -> problem = start
        }
    }

    /** After a lost key: deletes the unreadable data and its key and opens an empty store. */
    fun startOver(): String? = when (val d = DataKeys.startOver(dataDir, vault)) {
        is Deletion.Done -> { adopt(d.start); null }
        is Deletion.Failed -> { adopt(d.start); d.message }
    }

    /**
     * "Delete my data": stops monitoring, closes the store, deletes every file and the key, and
     * opens an empty store under a new key. Blocking: call it off the main thread. Returns the
     * message to show when something could not be deleted.
     */
    fun deleteMyData(): String? {
        MonitoringService.stop(this)
        alertRegistration?.cancel()
        alertRegistration = null
        val old = core
        val oldScreens = screens
        val d = DataKeys.deleteMyData(old, dataDir, vault)
        val next = when (d) {
            is Deletion.Done -> d.start
            is Deletion.Failed -> d.start
        }
        // The closed store's objects are released now rather than at garbage collection.
        oldScreens.close()
        if ((next as? StoreStart.Opened)?.core !== old) old.close()
        adopt(next)
        return (d as? Deletion.Failed)?.message
    }

    companion object {
        const val TAG = "TwitchWatch"
    }
}
