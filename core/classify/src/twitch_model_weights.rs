// Written by lab/train/train_twitch_model.py from the TUNING split; do not edit by hand.
pub const TWITCH_ACCEPTANCE: TwitchModel = TwitchModel {
    weights: [0.252331, -0.745218, -0.18771, -0.20151, -1.17365, -0.151478],
    bias: 4.45212,
};
pub const TWITCH_MIN_PROBABILITY: f32 = 0.6;
