// Written by lab/train/train_twitch_model.py from the TUNING split; do not edit by hand.
pub const TWITCH_ACCEPTANCE: TwitchModel = TwitchModel {
    weights: [1.12188, -0.857604, -0.388515, -1.08786, -1.18221, 0.525894],
    bias: 3.68271,
};
pub const TWITCH_MIN_PROBABILITY: f32 = 0.65;
