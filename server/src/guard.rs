//! The one pass every request makes around the routes, in this order: cross-site writes are
//! refused, the body is read within its size and time bounds, an error text in the link is
//! checked against the flash cookie; then every answer gets its real status (server-function
//! errors), the flash cookie of a redirect that carries an error, and the security headers.
//!
//! One hand-written service instead of a middleware per step: each `from_fn` middleware boxes
//! a clone of the routes and a future for every request.

use crate::{error_response, flash, security};
use axum::{extract::Request, response::Response};
use backend::identity::cookies::CookiePolicy;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use tower::{Layer, Service};

/// What the guard needs to know about the deployment.
#[derive(Debug, Clone, Copy)]
pub struct GuardLayer {
    /// Whether a reverse proxy sets `X-Forwarded-Host` (the public host).
    pub trusted_proxy: bool,
    /// Names and flags of the cookies (the flash cookie's name depends on `secure`).
    pub cookies: CookiePolicy,
}

impl<S> Layer<S> for GuardLayer {
    type Service = Guard<S>;

    fn layer(&self, inner: S) -> Guard<S> {
        Guard {
            inner,
            settings: *self,
        }
    }
}

/// The routes behind the guard.
#[derive(Debug, Clone)]
pub struct Guard<S> {
    inner: S,
    settings: GuardLayer,
}

impl<S> Service<Request> for Guard<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        // The clone is the one that was not polled ready; the ready one serves this request.
        let fresh = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, fresh);
        let GuardLayer {
            trusted_proxy,
            cookies,
        } = self.settings;
        Box::pin(async move {
            let mut response = match security::cross_site_refusal(&req, trusted_proxy) {
                Some(refusal) => refusal,
                None => match security::read_body_in_time(req).await {
                    Err(refusal) => refusal,
                    Ok(mut req) => {
                        flash::check_in(&mut req, cookies);
                        let answer = inner.call(req).await?;
                        let mut answer = error_response::server_fn_error_status(answer).await;
                        flash::flash_out(&mut answer, cookies);
                        answer
                    }
                },
            };
            security::add_security_headers(&mut response);
            Ok(response)
        })
    }
}
