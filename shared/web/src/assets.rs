//! Static assets compiled into the binary and served under content-hashed names, so browsers
//! may cache them forever and a new release is fetched at once.

use std::sync::LazyLock;

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sha2::{Digest, Sha256};

use crate::problem::Problem;

pub const ROUTE_PREFIX: &str = "/static";

struct Asset {
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

static ASSETS: &[Asset] = &[
    Asset {
        name: "redoc.standalone.js",
        content_type: JS,
        bytes: include_bytes!("../assets/vendor/redoc.standalone.js"),
    },
    Asset {
        name: "tabler.min.css",
        content_type: CSS,
        bytes: include_bytes!("../assets/vendor/tabler.min.css"),
    },
    Asset {
        name: "tabler.min.js",
        content_type: JS,
        bytes: include_bytes!("../assets/vendor/tabler.min.js"),
    },
    Asset {
        name: "htmx.min.js",
        content_type: JS,
        bytes: include_bytes!("../assets/vendor/htmx.min.js"),
    },
    Asset {
        name: "app.css",
        content_type: CSS,
        bytes: include_bytes!("../assets/app.css"),
    },
    Asset {
        name: "app.js",
        content_type: JS,
        bytes: include_bytes!("../assets/app.js"),
    },
];

/// `name.<first 12 hex of sha256>.ext` for every asset, computed once on first use.
static HASHED: LazyLock<Vec<(String, &'static Asset)>> = LazyLock::new(|| {
    ASSETS
        .iter()
        .map(|asset| (hashed_name(asset.name, asset.bytes), asset))
        .collect()
});

fn hashed_name(name: &str, bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let hash: String = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
    match name.rsplit_once('.') {
        Some((stem, ext)) => format!("{stem}.{hash}.{ext}"),
        None => format!("{name}.{hash}"),
    }
}

/// The URL of an asset by its plain name (`redoc.standalone.js`). Unknown names are a
/// programming error caught by tests; they yield a URL that answers 404.
pub fn url(name: &str) -> String {
    let hashed = HASHED
        .iter()
        .find(|(_, asset)| asset.name == name)
        .map_or(name, |(hashed, _)| hashed.as_str());
    format!("{ROUTE_PREFIX}/{hashed}")
}

pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new().route(&format!("{ROUTE_PREFIX}/{{file}}"), get(serve))
}

async fn serve(Path(file): Path<String>) -> Response {
    let Some((_, asset)) = HASHED.iter().find(|(hashed, _)| *hashed == file) else {
        return Problem::not_found().into_response();
    };
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(asset.content_type),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            ),
        ],
        asset.bytes,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_carry_the_content_hash() {
        let url = url("redoc.standalone.js");
        assert!(url.starts_with("/static/redoc.standalone."), "{url}");
        assert!(url.ends_with(".js"));
        assert_eq!(url.len(), "/static/redoc.standalone..js".len() + 12);
    }

    #[test]
    fn every_asset_is_registered_and_offline() {
        for name in [
            "tabler.min.css",
            "tabler.min.js",
            "htmx.min.js",
            "app.css",
            "app.js",
        ] {
            assert_ne!(
                url(name),
                format!("{ROUTE_PREFIX}/{name}"),
                "{name} is registered"
            );
        }
        for asset in ASSETS.iter().filter(|a| a.content_type == CSS) {
            let text = String::from_utf8_lossy(asset.bytes);
            assert!(
                !text.contains("@import"),
                "{} imports another stylesheet",
                asset.name
            );
            assert!(
                !text.contains("url(http")
                    && !text.contains("url(\"http")
                    && !text.contains("url('http"),
                "{} loads something from the internet",
                asset.name
            );
        }
    }

    #[tokio::test]
    async fn assets_are_served_immutable() {
        use tower::ServiceExt;
        let app: Router = router();
        let request = axum::http::Request::get(url("app.css"))
            .body(axum::body::Body::empty())
            .unwrap();
        let response = app.oneshot(request).await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], CSS);
        assert!(
            response.headers()["cache-control"]
                .to_str()
                .unwrap()
                .contains("immutable")
        );
    }
}
