// The rules' daily tick (persistence over weeks, lifestyle links) when no session is running. New alerts
// reach the AlertListener registered in TwitchWatchApp, which posts them.
package org.twitchwatch.app

import android.content.Context
import androidx.work.CoroutineWorker
import androidx.work.ExistingPeriodicWorkPolicy
import androidx.work.PeriodicWorkRequestBuilder
import androidx.work.WorkManager
import androidx.work.WorkerParameters
import java.util.concurrent.TimeUnit
import org.twitchwatch.core.TwitchWatchException

class DailyTickWorker(context: Context, params: WorkerParameters) : CoroutineWorker(context, params) {
    override suspend fun doWork(): Result {
        val app = applicationContext as TwitchWatchApp
        // A lost key waiting for the user's answer: no store to evaluate, nothing to retry.
        if (!app.isOpen) return Result.success()
        return try {
            app.core.alerts().evaluate()
            Result.success()
        } catch (e: TwitchWatchException) {
            Result.retry()
        }
    }

    companion object {
        fun schedule(context: Context) {
            WorkManager.getInstance(context).enqueueUniquePeriodicWork(
                "twitchwatch-daily-rules",
                ExistingPeriodicWorkPolicy.KEEP,
                PeriodicWorkRequestBuilder<DailyTickWorker>(24, TimeUnit.HOURS).build(),
            )
        }
    }
}
