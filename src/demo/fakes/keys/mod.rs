//! The identities and **test-only** keys the fakes and our adapters share in demo mode.
//! Everything here is public in this repository and signs nothing real (see
//! `README.md` in this folder): never configure any of it for a real account.

/// The fake Stripe's secret key (`Authorization: Bearer …` on every API call).
pub const STRIPE_SECRET_KEY: &str = "sk_test_FAKE_datacard_demo_only_not_a_real_key";
/// The fake Stripe's webhook signing secret (`Stripe-Signature`).
pub const STRIPE_WEBHOOK_SECRET: &str = "whsec_FAKE_datacard_demo_only_not_a_real_secret";

/// The merchant's Alipay application and partner id, as the Alipay sandbox numbers them.
pub const ALIPAY_APP_ID: &str = "2021000000000000";
pub const ALIPAY_SELLER_ID: &str = "2088000000000002";
pub const ALIPAY_APP_PRIVATE_KEY: &str = include_str!("test_only_alipay_app_private_key.pem");
pub const ALIPAY_APP_PUBLIC_KEY: &str = include_str!("test_only_alipay_app_public_key.pem");
pub const ALIPAY_PRIVATE_KEY: &str = include_str!("test_only_alipay_alipay_private_key.pem");
pub const ALIPAY_PUBLIC_KEY: &str = include_str!("test_only_alipay_alipay_public_key.pem");

/// The merchant's WeChat Pay ids, as WeChat Pay's documentation examples number them.
pub const WECHAT_MCH_ID: &str = "1900000109";
pub const WECHAT_APP_ID: &str = "wxd678efh567hg6787";
pub const WECHAT_MERCHANT_SERIAL: &str = "3775B6A45ACD588826D15E583A95F5DD12345678";
pub const WECHAT_PLATFORM_SERIAL: &str = "PUB_KEY_ID_0114232134912410000000000000";
/// 32 ASCII bytes, as an APIv3 key is.
pub const WECHAT_API_V3_KEY: &str = "FAKEdemoAPIv3keyTestOnly00000000";
pub const WECHAT_MERCHANT_PRIVATE_KEY: &str =
    include_str!("test_only_wechat_pay_merchant_private_key.pem");
pub const WECHAT_MERCHANT_PUBLIC_KEY: &str =
    include_str!("test_only_wechat_pay_merchant_public_key.pem");
pub const WECHAT_PLATFORM_PRIVATE_KEY: &str =
    include_str!("test_only_wechat_pay_platform_private_key.pem");
pub const WECHAT_PLATFORM_PUBLIC_KEY: &str =
    include_str!("test_only_wechat_pay_platform_public_key.pem");

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payments::rsa::{SigningKey, VerifyingKey};

    #[test]
    fn the_pairs_match() {
        for (private, public) in [
            (ALIPAY_APP_PRIVATE_KEY, ALIPAY_APP_PUBLIC_KEY),
            (ALIPAY_PRIVATE_KEY, ALIPAY_PUBLIC_KEY),
            (WECHAT_MERCHANT_PRIVATE_KEY, WECHAT_MERCHANT_PUBLIC_KEY),
            (WECHAT_PLATFORM_PRIVATE_KEY, WECHAT_PLATFORM_PUBLIC_KEY),
        ] {
            let signature = SigningKey::from_pem(private)
                .and_then(|key| key.sign_base64(b"pair"))
                .expect("a signing key");
            assert!(
                VerifyingKey::from_pem(public)
                    .expect("a public key")
                    .verify_base64(b"pair", &signature)
            );
        }
        assert_eq!(WECHAT_API_V3_KEY.len(), 32);
    }
}
