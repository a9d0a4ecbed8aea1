//! Building a function's router so that every route states its access, the guard enforces it,
//! and the whole table is available to tests ("every role against every route").

use axum::Router;
use axum::extract::Request;
use axum::http::Method;
use axum::middleware::{Next, from_fn};
use axum::routing::MethodRouter;
use utoipa::openapi::OpenApi;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouter};

use super::{Access, guard};

/// One route and the access it requires.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteAccess {
    pub method: Method,
    /// With axum's `{param}` placeholders.
    pub path: String,
    pub access: Access,
    /// In the OpenAPI document (JSON API) or not (UI pages and forms).
    pub documented: bool,
}

pub struct AccessRouter<S> {
    router: OpenApiRouter<S>,
    table: Vec<RouteAccess>,
}

fn guarded<S: Clone + Send + Sync + 'static>(
    access: Access,
    handler: MethodRouter<S>,
) -> MethodRouter<S> {
    handler.layer(from_fn(move |request: Request, next: Next| {
        guard::check(access, request, next)
    }))
}

impl<S: Clone + Send + Sync + 'static> AccessRouter<S> {
    pub fn new(doc: OpenApi) -> Self {
        Self {
            router: OpenApiRouter::with_openapi(doc),
            table: Vec::new(),
        }
    }

    /// A JSON API endpoint from `utoipa_axum::routes!(handler)`, documented in OpenAPI.
    pub fn api(mut self, access: Access, (schemas, paths, handler): UtoipaMethodRouter<S>) -> Self {
        for (path, item) in &paths.paths {
            let methods = [
                (Method::GET, item.get.is_some()),
                (Method::POST, item.post.is_some()),
                (Method::PUT, item.put.is_some()),
                (Method::PATCH, item.patch.is_some()),
                (Method::DELETE, item.delete.is_some()),
            ];
            for (method, present) in methods {
                if present {
                    self.table.push(RouteAccess {
                        method,
                        path: path.clone(),
                        access,
                        documented: true,
                    });
                }
            }
        }
        self.router = self
            .router
            .routes((schemas, paths, guarded(access, handler)));
        self
    }

    /// A UI page or form handler for one method, not in the API document.
    pub fn page(
        mut self,
        method: Method,
        path: &str,
        access: Access,
        handler: MethodRouter<S>,
    ) -> Self {
        self.table.push(RouteAccess {
            method,
            path: path.to_owned(),
            access,
            documented: false,
        });
        self.router = self.router.route(path, guarded(access, handler));
        self
    }

    /// The axum router, the OpenAPI document and the access table.
    pub fn split(self) -> (Router<S>, OpenApi, Vec<RouteAccess>) {
        let (router, doc) = self.router.split_for_parts();
        (router, doc, self.table)
    }
}
