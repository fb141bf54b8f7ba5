//! Text for elements whose content Leptos writes into server-rendered HTML without escaping it
//! (`<title>` through leptos_meta, a `<textarea>`'s initial text): escaped there, so text like
//! `</title><script>…` or `</textarea><script>…` cannot become markup. In the browser the same
//! text is set as text, so it stays as it is.

/// `text`, safe to put inside `<title>` or `<textarea>` on the server; unchanged in the browser.
pub fn raw_text_content(text: &str) -> String {
    if cfg!(feature = "ssr") {
        text.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    #[cfg(feature = "ssr")]
    fn server_rendered_raw_text_is_escaped() {
        assert_eq!(
            super::raw_text_content("</textarea><script>x</script> & co"),
            "&lt;/textarea&gt;&lt;script&gt;x&lt;/script&gt; &amp; co"
        );
    }
}
