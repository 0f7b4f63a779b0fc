// Material 3 theme and the mapping of the shell's tones to colour scheme slots.
package org.twitchwatch.app

import androidx.compose.foundation.isSystemInDarkTheme
import androidx.compose.material3.ColorScheme
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.darkColorScheme
import androidx.compose.material3.lightColorScheme
import androidx.compose.runtime.Composable
import androidx.compose.ui.graphics.Color
import org.twitchwatch.shell.Tone

@Composable
fun TwitchWatchTheme(content: @Composable () -> Unit) {
    MaterialTheme(
        colorScheme = if (isSystemInDarkTheme()) darkColorScheme() else lightColorScheme(),
        content = content,
    )
}

fun ColorScheme.of(tone: Tone): Color = when (tone) {
    Tone.CRITICAL -> error
    Tone.WARNING -> tertiary
    Tone.INFO -> primary
    Tone.NEUTRAL -> onSurfaceVariant
    Tone.POSITIVE -> secondary
}
