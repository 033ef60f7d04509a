//! Simplified Chinese (zh-CN), the third language: chosen from the address, the cookie
//! and `Accept-Language` like the others, kept on the account, and used for its pages,
//! its API answers, its SMS and its email.
mod api;
mod helpers;
mod messages;
mod pages;
