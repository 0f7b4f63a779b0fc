// The single activity: Compose navigation between the core's screens, the permission requests the
// shell's PermissionFlow asks for, and deep links from notification taps.
package org.twitchwatch.app

import android.bluetooth.BluetoothAdapter
import android.content.Intent
import android.net.Uri
import android.os.Bundle
import android.provider.Settings
import androidx.activity.ComponentActivity
import androidx.activity.compose.setContent
import androidx.activity.result.contract.ActivityResultContracts
import androidx.compose.runtime.key
import androidx.compose.runtime.mutableStateOf
import org.twitchwatch.core.app.Destination
import org.twitchwatch.shell.PermissionFlow
import org.twitchwatch.shell.PermissionStep

class MainActivity : ComponentActivity() {
    private val app get() = application as TwitchWatchApp
    private val pendingDestination = mutableStateOf<Destination?>(null)
    private val permissionTick = mutableStateOf(0)
    /** Bumped when the store is replaced (deleted, started over): the screens start again from it. */
    private val storeGeneration = mutableStateOf(0)

    private val requestPermissions =
        registerForActivityResult(ActivityResultContracts.RequestMultiplePermissions()) {
            permissionTick.value++
        }
    private val enableBluetooth =
        registerForActivityResult(ActivityResultContracts.StartActivityForResult()) {
            permissionTick.value++
        }

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        pendingDestination.value = app.router.route(intent?.dataString)
        setContent {
            TwitchWatchTheme {
                key(storeGeneration.value) {
                    val problem = app.problem
                    if (problem != null) {
                        StoreProblemScreen(app, problem, onStoreReplaced = { storeGeneration.value++ })
                    } else {
                        AppNavigation(
                            app = app,
                            deepLink = pendingDestination,
                            permissionTick = permissionTick,
                            onAskPermissions = ::askPermissions,
                            onStoreReplaced = { storeGeneration.value++ },
                        )
                    }
                }
            }
        }
    }

    override fun onNewIntent(intent: Intent) {
        super.onNewIntent(intent)
        pendingDestination.value = app.router.route(intent.dataString)
    }

    override fun onResume() {
        super.onResume()
        permissionTick.value++
    }

    /** One step of the shell's permission flow. */
    fun askPermissions() {
        when (val step = PermissionFlow.next(permissionSnapshot(this))) {
            is PermissionStep.Request -> launch(step.permissions)
            // The onboarding screen shows the core's explanation text; the user tapped "Allow" after it.
            is PermissionStep.ExplainThenRequest -> launch(step.permissions)
            is PermissionStep.OpenAppSettings -> startActivity(
                Intent(Settings.ACTION_APPLICATION_DETAILS_SETTINGS, Uri.fromParts("package", packageName, null)),
            )
            PermissionStep.EnableBluetooth -> enableBluetooth.launch(Intent(BluetoothAdapter.ACTION_REQUEST_ENABLE))
            PermissionStep.Done -> permissionTick.value++
        }
    }

    private fun launch(permissions: List<String>) {
        rememberRequested(this, permissions)
        requestPermissions.launch(permissions.toTypedArray())
    }
}
