//! The activation code of an eSIM (GSMA SGP.22 v2.2 §4.1, Table 8) and the ways a
//! phone takes it: the `LPA:` string a QR code carries, the two fields typed by hand,
//! and the one-tap install links of iOS and Android.

/// `1$<SM-DP+ address>$<matching id>`: what the inventory stores for each profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivationCode {
    smdp_address: String,
    matching_id: String,
}

/// iOS 17.4+ opens its eSIM installer on this universal link. Apple publishes no
/// page for it; it is the link storefronts and resellers use (Airalo's
/// `direct_apple_installation_url` is one).
const APPLE_SETUP: &str = "https://esimsetup.apple.com/esim_qrcode_provisioning?carddata=";

/// The Android counterpart. NOT confirmed by any Google documentation we could find:
/// it is the de-facto link eSIM resellers hand out (eSIM Go's `androidInstallUrl`) and
/// that phones with a recent Android open in their eSIM setup. The QR code and the
/// fields for typing stay on the page for every phone it does not work on.
const ANDROID_SETUP: &str = "https://esimsetup.android.com/esim_qrcode_provisioning?carddata=";

impl ActivationCode {
    /// Reads `1$address$token[$…]`, with or without the `LPA:` of a QR code
    /// (any case). The address and the token must both be there; what follows the
    /// token (an OID, the confirmation-code flag) is not ours to hand out and is kept
    /// out of the links.
    pub fn parse(text: &str) -> Option<ActivationCode> {
        let text = text.trim();
        let text = match text.get(..4) {
            Some(prefix) if prefix.eq_ignore_ascii_case("LPA:") => &text[4..],
            _ => text,
        };
        let mut parts = text.split('$');
        if parts.next() != Some("1") {
            return None;
        }
        let address = parts.next()?.trim();
        let token = parts.next()?.trim();
        let host_like = |b: u8| b.is_ascii_alphanumeric() || b == b'.' || b == b'-';
        let token_like = |b: u8| b.is_ascii_alphanumeric() || b == b'-';
        if address.is_empty() || !address.bytes().all(host_like) {
            return None;
        }
        if token.is_empty() || !token.bytes().all(token_like) {
            return None;
        }
        Some(ActivationCode {
            smdp_address: address.to_owned(),
            matching_id: token.to_owned(),
        })
    }

    /// The SM-DP+ address, typed into the phone's "enter details manually" screen.
    pub fn smdp_address(&self) -> &str {
        &self.smdp_address
    }

    /// The matching id, which phones call the activation code when it is typed in.
    pub fn matching_id(&self) -> &str {
        &self.matching_id
    }

    /// `LPA:1$<address>$<matching id>`: what the QR code carries.
    pub fn lpa(&self) -> String {
        format!("LPA:1${}${}", self.smdp_address, self.matching_id)
    }

    /// One tap on an iPhone (iOS 17.4 or later) opens the installer with this eSIM.
    pub fn apple_link(&self) -> String {
        format!("{APPLE_SETUP}{}", percent_encode(&self.lpa()))
    }

    /// The same for Android (see [`ANDROID_SETUP`] for how sure we are of it).
    pub fn android_link(&self) -> String {
        format!("{ANDROID_SETUP}{}", percent_encode(&self.lpa()))
    }
}

/// Everything but RFC 3986's unreserved characters is percent-encoded, so `:` and `$`
/// (and anything else) reach the phone as they were.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The phone a page is shown on, from its `User-Agent`: its own install link goes first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    Ios,
    Android,
    /// A computer or anything else: the QR code goes first, to scan with the phone.
    Other,
}

impl Platform {
    pub fn from_user_agent(user_agent: &str) -> Platform {
        if user_agent.contains("Android") {
            Platform::Android
        } else if ["iPhone", "iPad", "iPod"]
            .iter()
            .any(|word| user_agent.contains(word))
        {
            Platform::Ios
        } else {
            Platform::Other
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
    const PIXEL: &str = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36";

    #[test]
    fn the_stored_code_becomes_the_lpa_string_and_its_two_fields() {
        let code = ActivationCode::parse("1$rsp.datacard.example$DC-0001-DEMO").expect("valid");
        assert_eq!(code.smdp_address(), "rsp.datacard.example");
        assert_eq!(code.matching_id(), "DC-0001-DEMO");
        assert_eq!(code.lpa(), "LPA:1$rsp.datacard.example$DC-0001-DEMO");
        // The SGP.22 examples, with `LPA:` in any case and the optional fields after.
        for text in [
            "LPA:1$SMDP.GSMA.COM$04386-AGYFT-A74Y8-3F815",
            "lpa:1$SMDP.GSMA.COM$04386-AGYFT-A74Y8-3F815",
            "1$SMDP.GSMA.COM$04386-AGYFT-A74Y8-3F815$1.3.6.1.4.1.31746$1",
            "1$SMDP.GSMA.COM$04386-AGYFT-A74Y8-3F815$$1",
        ] {
            assert_eq!(
                ActivationCode::parse(text).map(|c| c.lpa()).as_deref(),
                Some("LPA:1$SMDP.GSMA.COM$04386-AGYFT-A74Y8-3F815"),
                "{text}"
            );
        }
    }

    #[test]
    fn codes_that_are_not_sgp22_activation_codes_are_refused() {
        for text in [
            "",
            "1$",
            "LPA:1$",
            "1$SMDP.EXAMPLE.COM",
            "2$SMDP.EXAMPLE.COM$ABC",
            "1$$ABC",
            "1$SMDP.EXAMPLE.COM$",
            "1$smdp example.com$ABC",
            "1$smdp.example.com$A&B",
            "1$smdp.example.com$<script>",
        ] {
            assert_eq!(ActivationCode::parse(text), None, "{text:?}");
        }
    }

    #[test]
    fn the_install_links_carry_the_whole_lpa_string_percent_encoded() {
        let code = ActivationCode::parse("1$rsp.datacard.example$DC-0001-DEMO").expect("valid");
        assert_eq!(
            code.apple_link(),
            "https://esimsetup.apple.com/esim_qrcode_provisioning?carddata=LPA%3A1%24rsp.datacard.example%24DC-0001-DEMO"
        );
        assert_eq!(
            code.android_link(),
            "https://esimsetup.android.com/esim_qrcode_provisioning?carddata=LPA%3A1%24rsp.datacard.example%24DC-0001-DEMO"
        );
        // Decoding the parameter gives back exactly what the QR code carries.
        let carddata = code
            .apple_link()
            .split_once("carddata=")
            .expect("param")
            .1
            .to_owned();
        let decoded: String = url_decode(&carddata);
        assert_eq!(decoded, code.lpa());
    }

    fn url_decode(text: &str) -> String {
        let bytes = text.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' {
                out.push(u8::from_str_radix(&text[i + 1..i + 3], 16).expect("hex"));
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn the_platform_comes_from_the_user_agent() {
        assert_eq!(Platform::from_user_agent(IPHONE), Platform::Ios);
        assert_eq!(Platform::from_user_agent(PIXEL), Platform::Android);
        assert_eq!(
            Platform::from_user_agent("Mozilla/5.0 (X11; Linux x86_64) Chrome/124.0"),
            Platform::Other
        );
        assert_eq!(Platform::from_user_agent(""), Platform::Other);
    }
}
