// The foreground service (type connectedDevice) that owns the monitoring session: the simulator in demo
// mode, otherwise the BLE session with the paired wearable. Its ongoing notification text is the core's.
package org.twitchwatch.app

import android.app.PendingIntent
import android.app.Service
import android.content.Context
import android.content.Intent
import android.content.pm.ServiceInfo
import android.os.Handler
import android.os.IBinder
import android.os.Looper
import android.util.Log
import androidx.core.app.NotificationManagerCompat
import androidx.core.app.ServiceCompat
import androidx.core.content.ContextCompat
import java.util.concurrent.Executors
import org.twitchwatch.core.PhoneGattSession
import org.twitchwatch.core.TwitchWatchException
import org.twitchwatch.shell.NotificationRouter

class MonitoringService : Service() {
    private val app get() = application as TwitchWatchApp
    private val main = Handler(Looper.getMainLooper())
    private val worker = Executors.newSingleThreadExecutor()
    private var ble: BleSession? = null

    override fun onBind(intent: Intent?): IBinder? = null

    override fun onStartCommand(intent: Intent?, flags: Int, startId: Int): Int {
        // Without an open store (a lost key waiting for the user's answer) there is nothing to monitor.
        if (intent?.action == ACTION_STOP || !app.isOpen) {
            stopSelf()
            return START_NOT_STICKY
        }
        ServiceCompat.startForeground(
            this,
            NotificationRouter.ONGOING_ID,
            ongoing(),
            ServiceInfo.FOREGROUND_SERVICE_TYPE_CONNECTED_DEVICE,
        )
        if (ble == null) startSession()
        main.post(refresher)
        // Restarted by Android after it was killed: resume monitoring.
        return START_STICKY
    }

    private fun startSession() {
        val now = System.currentTimeMillis()
        try {
            if (app.core.devices().paired() != null) {
                // The core's session for the paired wearable, of either protocol, at its paired rate.
                ble = BleSession(this, PhoneGattSession(app.core)).also { it.start() }
            } else if (app.screens.onboarding(currentPermissions(this)).demoMode) {
                app.screens.startDemoSession(null, 1.0f, now)
            } else {
                stopSelf()
            }
        } catch (e: TwitchWatchException) {
            Log.w(TwitchWatchApp.TAG, "cannot start monitoring: ${e.message}")
            stopSelf()
        }
    }

    private fun ongoing() = Notifier.ongoing(
        this,
        app.router.ongoing(app.screens.monitoringNotification(System.currentTimeMillis())),
        PendingIntent.getService(
            this,
            0,
            Intent(this, MonitoringService::class.java).setAction(ACTION_STOP),
            PendingIntent.FLAG_IMMUTABLE,
        ),
    )

    /** Refreshes the ongoing notification (connection, today's count) every 30 s. */
    private val refresher = object : Runnable {
        override fun run() {
            try {
                NotificationManagerCompat.from(this@MonitoringService)
                    .notify(NotificationRouter.ONGOING_ID, ongoing())
            } catch (e: SecurityException) {
                // Notifications denied: the service keeps running without updates.
            } catch (e: TwitchWatchException) {
                Log.d(TwitchWatchApp.TAG, "ongoing notification not refreshed: ${e.message}")
            }
            main.postDelayed(this, 30_000)
        }
    }

    override fun onDestroy() {
        main.removeCallbacksAndMessages(null)
        ble?.close()
        ble = null
        // Stopping a simulated session stores its last minute; keep it off the main thread.
        if (app.isOpen) {
            val screens = app.screens
            worker.execute { runCatching { screens.stopSession(System.currentTimeMillis()) } }
        }
        worker.shutdown()
        super.onDestroy()
    }

    companion object {
        const val ACTION_STOP = "org.twitchwatch.app.STOP"

        fun start(context: Context) =
            ContextCompat.startForegroundService(context, Intent(context, MonitoringService::class.java))

        fun stop(context: Context) = context.stopService(Intent(context, MonitoringService::class.java))
    }
}
