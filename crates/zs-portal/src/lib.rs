//! The server-rendered web portal: pages, templates, static assets, CSRF, i18n.
