//! Puts GraphiQL's browser assets into the binary, so the playground works
//! offline from wherever the server runs.
//!
//! The files come from the npm packages locked in `web/package-lock.json`:
//! from `web/node_modules` when `npm ci --prefix web` has been run, otherwise
//! installed here (into `OUT_DIR`) with `npm ci`. Without Node the build
//! still succeeds, says what is missing, and the server falls back to
//! `GRAPHIQL_ASSETS_DIR` or the CDN (pinned by integrity hashes).

use std::path::{Path, PathBuf};
use std::process::Command;

/// The files the page needs, under `node_modules`.
const FILES: &[&str] = &[
    "react/umd/react.production.min.js",
    "react-dom/umd/react-dom.production.min.js",
    "graphiql/graphiql.min.js",
    "graphiql/graphiql.min.css",
];

fn complete(modules: &Path) -> bool {
    FILES.iter().all(|f| modules.join(f).is_file())
}

/// `npm ci` of the locked packages into `out/web`; the `node_modules` made,
/// or why not.
fn install(manifest: &Path, out: &Path) -> Result<PathBuf, String> {
    let web = out.join("web");
    std::fs::create_dir_all(&web).map_err(|e| e.to_string())?;
    for f in ["package.json", "package-lock.json"] {
        std::fs::copy(manifest.join("web").join(f), web.join(f))
            .map_err(|e| format!("{f}: {e}"))?;
    }
    let modules = web.join("node_modules");
    if complete(&modules) {
        return Ok(modules);
    }
    let npm = if cfg!(windows) { "npm.cmd" } else { "npm" };
    let status = Command::new(npm)
        .args([
            "ci",
            "--no-audit",
            "--no-fund",
            "--ignore-scripts",
            "--prefix",
        ])
        .arg(&web)
        .status()
        .map_err(|e| format!("npm was not found ({e}); install Node.js"))?;
    if !status.success() {
        return Err(format!("npm ci failed ({status})"));
    }
    if complete(&modules) {
        Ok(modules)
    } else {
        Err("npm ci did not install the expected files".into())
    }
}

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default());
    println!("cargo:rerun-if-changed=web/package-lock.json");
    println!("cargo:rerun-if-changed=web/node_modules/graphiql/package.json");
    println!("cargo:rerun-if-env-changed=INVOICE_FINANCE_NO_EMBEDDED_ASSETS");
    println!("cargo::rustc-check-cfg=cfg(graphiql_embedded)");

    let local = manifest.join("web/node_modules");
    let found = if std::env::var_os("INVOICE_FINANCE_NO_EMBEDDED_ASSETS").is_some() {
        Err("INVOICE_FINANCE_NO_EMBEDDED_ASSETS is set".to_string())
    } else if complete(&local) {
        Ok(local)
    } else {
        install(&manifest, &out)
    };
    let dir = out.join("graphiql");
    let _ = std::fs::create_dir_all(&dir);
    match found {
        Ok(modules) => {
            for f in FILES {
                let name = f.replace('/', "_");
                if let Err(e) = std::fs::copy(modules.join(f), dir.join(&name)) {
                    println!("cargo:warning=copying {f}: {e}");
                }
            }
            println!("cargo:rustc-cfg=graphiql_embedded");
        }
        Err(why) => {
            println!(
                "cargo:warning=GraphiQL's assets are not embedded: {why}. The server still \
                 builds and runs; its playground then loads them from GRAPHIQL_ASSETS_DIR \
                 (npm ci --prefix web) or from unpkg.com."
            );
        }
    }
}
