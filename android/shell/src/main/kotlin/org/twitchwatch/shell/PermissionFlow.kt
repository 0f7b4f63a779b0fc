// The runtime-permission flow as a pure state machine: which Android permissions to ask for on this API
// level, when to explain first, when only Settings can help, and what the core is told was granted.
package org.twitchwatch.shell

import org.twitchwatch.core.app.PlatformPermissions

/** Manifest names of the permissions TwitchWatch asks for at run time. */
object AndroidPermissions {
    const val BLUETOOTH_SCAN = "android.permission.BLUETOOTH_SCAN"
    const val BLUETOOTH_CONNECT = "android.permission.BLUETOOTH_CONNECT"
    const val ACCESS_FINE_LOCATION = "android.permission.ACCESS_FINE_LOCATION"
    const val POST_NOTIFICATIONS = "android.permission.POST_NOTIFICATIONS"

    /** Android 12 (API 31) split BLE out of location; older versions need location to scan. */
    fun bluetooth(sdkInt: Int): List<String> =
        if (sdkInt >= 31) listOf(BLUETOOTH_SCAN, BLUETOOTH_CONNECT) else listOf(ACCESS_FINE_LOCATION)

    /** Notifications are a runtime permission from Android 13 (API 33); granted at install before. */
    fun notifications(sdkInt: Int): List<String> =
        if (sdkInt >= 33) listOf(POST_NOTIFICATIONS) else emptyList()
}

/** What the activity knows right now (ContextCompat.checkSelfPermission, shouldShowRequestPermissionRationale). */
data class PermissionSnapshot(
    val sdkInt: Int,
    val granted: Set<String>,
    /** Permissions for which Android says to show a rationale (denied once, not "don't ask again"). */
    val rationale: Set<String> = emptySet(),
    /** Permissions the app has already requested at least once (kept in preferences by the activity). */
    val requestedBefore: Set<String> = emptySet(),
    val bluetoothEnabled: Boolean = true,
)

sealed class PermissionStep {
    /** Launch the system request dialog for these. */
    data class Request(val permissions: List<String>) : PermissionStep()

    /** Show the onboarding's explanation, then request. */
    data class ExplainThenRequest(val permissions: List<String>) : PermissionStep()

    /** Denied for good ("don't ask again"): only the app's system settings page can grant them. */
    data class OpenAppSettings(val permissions: List<String>) : PermissionStep()

    /** Permissions are fine but the Bluetooth radio is off: ask to turn it on. */
    data object EnableBluetooth : PermissionStep()

    data object Done : PermissionStep()
}

object PermissionFlow {
    fun next(s: PermissionSnapshot): PermissionStep {
        val bluetooth = AndroidPermissions.bluetooth(s.sdkInt).filterNot { it in s.granted }
        if (bluetooth.isNotEmpty()) return stepFor(bluetooth, s)
        if (!s.bluetoothEnabled) return PermissionStep.EnableBluetooth
        // Notifications are asked for once; a "no" is respected and never blocks monitoring.
        val notifications = AndroidPermissions.notifications(s.sdkInt)
            .filterNot { it in s.granted || it in s.requestedBefore }
        if (notifications.isNotEmpty()) return PermissionStep.Request(notifications)
        return PermissionStep.Done
    }

    private fun stepFor(missing: List<String>, s: PermissionSnapshot): PermissionStep = when {
        missing.any { it in s.rationale } -> PermissionStep.ExplainThenRequest(missing)
        // Asked before, no rationale now: Android will not show the dialog again.
        missing.all { it in s.requestedBefore } -> PermissionStep.OpenAppSettings(missing)
        else -> PermissionStep.Request(missing)
    }

    /** What the core's onboarding and pairing screens are told. */
    fun platformPermissions(s: PermissionSnapshot): PlatformPermissions = PlatformPermissions(
        bluetoothGranted = AndroidPermissions.bluetooth(s.sdkInt).all { it in s.granted },
        notificationsGranted = AndroidPermissions.notifications(s.sdkInt).all { it in s.granted },
    )
}
