// Written by lab/train/train_twitch_model.py from the TUNING split; do not edit by hand.
pub const TWITCH_ACCEPTANCE: TwitchModel = TwitchModel {
    weights: [0.246631, -0.336533, -0.156929, -0.268124, -0.732135, -0.523404],
    bias: 3.25119,
};
pub const TWITCH_MIN_PROBABILITY: f32 = 0.6;
