//! Where a command runs: in this process on the data dir (no server
//! running), or in the running server through its admin API. Both give
//! the same answers, so the CLI prints the same either way.

use crate::api::{
    AddGuide, ApiClient, GuideSettings, MapRequest, MatchRequest, ServerFile, SyncRequest,
};
use crate::app::{App, SyncReport};
use crate::catalog::{AccountCheck, AccountView, NewAccount, Progress};
use crate::data_dir::DataDir;
use crate::events::Event;
use crate::guide::{GuideShift, GuideView};
use crate::lineup_control::{
    AccountState, AccountToggle, ChannelState, ChannelToggle, GroupAction, GroupsView,
    LineupChange, LineupInfo, UnmappedState, UnmappedToggle,
};
use crate::matching::{ChannelMappings, MappingsQuery, MatchSummary};
use crate::plugins::Manifest;
use crate::store::StoreError;
use anyhow::anyhow;

/// The place commands run.
pub enum Backend {
    /// This process owns the data dir.
    Local(Box<App>),
    /// A `streamforge serve` owns it; we ask it.
    Remote(ApiClient),
}

impl Backend {
    /// Opens the data dir, or finds the server that holds it.
    pub fn connect(data: &DataDir) -> anyhow::Result<Backend> {
        match App::open(data.clone()) {
            Ok(app) => Ok(Backend::Local(Box::new(app))),
            Err(err)
                if matches!(
                    err.downcast_ref::<StoreError>(),
                    Some(StoreError::Locked(_))
                ) =>
            {
                let server = ServerFile::read(&data.server_file()).ok_or_else(|| {
                    anyhow!("the data dir {} is in use by another StreamForge process that is not a server; wait for it to finish", data.root().display())
                })?;
                let token = std::fs::read_to_string(data.admin_token()).map_err(|e| {
                    anyhow!(
                        "cannot read the admin token {}: {e}",
                        data.admin_token().display()
                    )
                })?;
                Ok(Backend::Remote(ApiClient::new(
                    &server,
                    token.trim().to_string(),
                )?))
            }
            Err(err) => Err(err),
        }
    }

    pub async fn add_account(&self, new: NewAccount) -> anyhow::Result<AccountView> {
        match self {
            Backend::Local(app) => app.catalog.add_account(new).await,
            Backend::Remote(api) => api.post("accounts", &new).await,
        }
    }

    pub async fn list_accounts(&self) -> anyhow::Result<Vec<AccountView>> {
        match self {
            Backend::Local(app) => app.catalog.list_accounts(),
            Backend::Remote(api) => api.get("accounts", &[]).await,
        }
    }

    pub async fn test_account(&self, name: &str) -> anyhow::Result<AccountCheck> {
        match self {
            Backend::Local(app) => app.catalog.test_account(name).await,
            Backend::Remote(api) => api.post(&format!("accounts/{}/test", enc(name)), &()).await,
        }
    }

    pub async fn set_account(
        &self,
        name: &str,
        change: crate::catalog::AccountChange,
    ) -> anyhow::Result<AccountView> {
        match self {
            Backend::Local(app) => app.catalog.set_account(name, change),
            Backend::Remote(api) => {
                api.post(&format!("accounts/{}/set", enc(name)), &change)
                    .await
            }
        }
    }

    pub async fn remove_account(&self, name: &str) -> anyhow::Result<AccountView> {
        match self {
            Backend::Local(app) => app.catalog.remove_account(name),
            Backend::Remote(api) => api.delete(&format!("accounts/{}", enc(name))).await,
        }
    }

    pub async fn add_guide(
        &self,
        name: &str,
        source: &str,
        shift: GuideShift,
    ) -> anyhow::Result<GuideView> {
        match self {
            Backend::Local(app) => app.guides.add_guide(name, source, shift).await,
            Backend::Remote(api) => {
                // The server resolves paths itself; give it an absolute one.
                let source = match std::fs::canonicalize(source) {
                    Ok(p) if !source.contains("://") => p.display().to_string(),
                    _ => source.to_string(),
                };
                api.post(
                    "guides",
                    &AddGuide {
                        name: name.into(),
                        source,
                        shift: Some(shift.to_string()),
                    },
                )
                .await
            }
        }
    }

    pub async fn list_guides(&self) -> anyhow::Result<Vec<GuideView>> {
        match self {
            Backend::Local(app) => app.guides.list_guides(),
            Backend::Remote(api) => api.get("guides", &[]).await,
        }
    }

    pub async fn set_guide_shift(
        &self,
        name: &str,
        shift: GuideShift,
    ) -> anyhow::Result<GuideView> {
        match self {
            Backend::Local(app) => app.guides.set_shift(name, shift).await,
            Backend::Remote(api) => {
                let body = GuideSettings {
                    shift: shift.to_string(),
                };
                api.post(&format!("guides/{}/settings", enc(name)), &body)
                    .await
            }
        }
    }

    pub async fn remove_guide(&self, name: &str) -> anyhow::Result<GuideView> {
        match self {
            Backend::Local(app) => app.guides.remove_guide(name),
            Backend::Remote(api) => api.delete(&format!("guides/{}", enc(name))).await,
        }
    }

    pub async fn sync(
        &self,
        account: Option<&str>,
        progress: &dyn Progress,
    ) -> anyhow::Result<SyncReport> {
        match self {
            Backend::Local(app) => app.sync(account, progress).await,
            Backend::Remote(api) => {
                progress.step("sync (in the running server)");
                api.post(
                    "sync",
                    &SyncRequest {
                        account: account.map(str::to_string),
                    },
                )
                .await
            }
        }
    }

    pub async fn run_match(&self, dry_run: bool) -> anyhow::Result<MatchSummary> {
        match self {
            Backend::Local(app) => app.matching.run_match(dry_run).await,
            Backend::Remote(api) => api.post("match", &MatchRequest { dry_run }).await,
        }
    }

    pub async fn mappings(&self, query: &MappingsQuery) -> anyhow::Result<Vec<ChannelMappings>> {
        match self {
            Backend::Local(app) => app.matching.mappings(query),
            Backend::Remote(api) => {
                let mut q = vec![("unmatched", query.unmatched.to_string())];
                if let Some(c) = &query.channel {
                    q.push(("channel", c.clone()));
                }
                api.get("mappings", &q).await
            }
        }
    }

    pub async fn map(&self, request: MapRequest) -> anyhow::Result<ChannelMappings> {
        match self {
            Backend::Local(app) => app.matching.map(
                &request.guide_id,
                &request.account,
                &request.key,
                request.rank,
            ),
            Backend::Remote(api) => api.post("mappings", &request).await,
        }
    }

    pub async fn unmap(&self, request: MapRequest) -> anyhow::Result<()> {
        match self {
            Backend::Local(app) => {
                app.matching
                    .unmap(&request.guide_id, &request.account, &request.key)
            }
            Backend::Remote(api) => api.post("mappings/remove", &request).await,
        }
    }

    pub async fn set_channel_enabled(
        &self,
        guide_id: &str,
        enabled: bool,
    ) -> anyhow::Result<ChannelState> {
        match self {
            Backend::Local(app) => app.lineup.set_channel_enabled(guide_id, enabled),
            Backend::Remote(api) => {
                let body = ChannelToggle {
                    guide_id: guide_id.to_string(),
                    enabled,
                };
                api.post("lineup/channels", &body).await
            }
        }
    }

    pub async fn set_account_enabled(
        &self,
        name: &str,
        enabled: bool,
    ) -> anyhow::Result<AccountState> {
        match self {
            Backend::Local(app) => app.lineup.set_account_enabled(name, enabled),
            Backend::Remote(api) => {
                let path = format!("accounts/{}/enabled", enc(name));
                api.post(&path, &AccountToggle { enabled }).await
            }
        }
    }

    pub async fn lineup_groups(&self) -> anyhow::Result<GroupsView> {
        match self {
            Backend::Local(app) => app.lineup.groups(),
            Backend::Remote(api) => api.get("lineup/groups", &[]).await,
        }
    }

    pub async fn change_group(&self, action: &GroupAction) -> anyhow::Result<GroupsView> {
        match self {
            Backend::Local(app) => app.lineup.change_group(action),
            Backend::Remote(api) => api.post("lineup/groups", action).await,
        }
    }

    pub async fn users(&self) -> anyhow::Result<Vec<crate::users::UserView>> {
        match self {
            Backend::Local(app) => app.users.list(),
            Backend::Remote(api) => api.get("users", &[]).await,
        }
    }

    pub async fn add_user(
        &self,
        name: &str,
        change: crate::users::UserChange,
    ) -> anyhow::Result<crate::users::UserView> {
        match self {
            Backend::Local(app) => app.users.add(name, &change),
            Backend::Remote(api) => {
                let new = crate::api::NewUser {
                    name: name.to_string(),
                    change,
                };
                api.post("users", &new).await
            }
        }
    }

    pub async fn set_user(
        &self,
        name: &str,
        change: crate::users::UserChange,
    ) -> anyhow::Result<crate::users::UserView> {
        match self {
            Backend::Local(app) => app.users.set(name, &change),
            Backend::Remote(api) => api.post(&format!("users/{}/set", enc(name)), &change).await,
        }
    }

    pub async fn remove_user(&self, name: &str) -> anyhow::Result<crate::users::UserView> {
        match self {
            Backend::Local(app) => app.users.remove(name),
            Backend::Remote(api) => api.delete(&format!("users/{}", enc(name))).await,
        }
    }

    pub async fn lineups(&self) -> anyhow::Result<Vec<LineupInfo>> {
        match self {
            Backend::Local(app) => app.lineup.lineups(),
            Backend::Remote(api) => api.get("lineups", &[]).await,
        }
    }

    pub async fn lineup_info(&self, name: &str) -> anyhow::Result<LineupInfo> {
        match self {
            Backend::Local(app) => app.lineup.lineup_info(name),
            Backend::Remote(api) => api.get(&format!("lineups/{}", enc(name)), &[]).await,
        }
    }

    pub async fn create_lineup(
        &self,
        name: &str,
        change: LineupChange,
    ) -> anyhow::Result<LineupInfo> {
        match self {
            Backend::Local(app) => app.lineup.create_lineup(name, &change),
            Backend::Remote(api) => {
                let new = crate::api::NewLineup {
                    name: name.to_string(),
                    change,
                };
                api.post("lineups", &new).await
            }
        }
    }

    pub async fn set_lineup(&self, name: &str, change: LineupChange) -> anyhow::Result<LineupInfo> {
        match self {
            Backend::Local(app) => app.lineup.set_lineup(name, &change),
            Backend::Remote(api) => {
                api.post(&format!("lineups/{}/set", enc(name)), &change)
                    .await
            }
        }
    }

    pub async fn remove_lineup(&self, name: &str) -> anyhow::Result<LineupInfo> {
        match self {
            Backend::Local(app) => app.lineup.remove_lineup(name),
            Backend::Remote(api) => api.delete(&format!("lineups/{}", enc(name))).await,
        }
    }

    pub async fn split_lineup(&self, name: &str, max: usize) -> anyhow::Result<Vec<LineupInfo>> {
        match self {
            Backend::Local(app) => app.lineup.split_lineup(name, max),
            Backend::Remote(api) => {
                let path = format!("lineups/{}/split", enc(name));
                api.post(&path, &crate::api::SplitLineup { max }).await
            }
        }
    }

    pub async fn set_expose_unmapped(&self, on: bool) -> anyhow::Result<UnmappedState> {
        match self {
            Backend::Local(app) => app.lineup.set_expose_unmapped(on),
            Backend::Remote(api) => api.post("lineup/unmapped", &UnmappedToggle { on }).await,
        }
    }

    /// Writes a backup archive of the data dir into `out` (the running
    /// server makes it when there is one).
    pub async fn backup(&self, include_key: bool, out: &mut std::fs::File) -> anyhow::Result<()> {
        match self {
            Backend::Local(app) => {
                let (data, store) = (app.data.clone(), app.store.clone());
                let mut file = out.try_clone()?;
                crate::blocking::run(move || {
                    crate::backup::write_archive(&data, &store, include_key, &mut file)
                })
                .await?;
            }
            Backend::Remote(api) => {
                let query = [("include_key", include_key.to_string())];
                let mut writer = std::io::BufWriter::new(&mut *out);
                api.download("backup", &query, &mut writer).await?;
                std::io::Write::flush(&mut writer)?;
                drop(writer);
                out.sync_all()?;
            }
        }
        Ok(())
    }

    pub async fn events(&self, after: u64) -> anyhow::Result<Vec<Event>> {
        match self {
            Backend::Local(app) => Ok(app.events.since(after, usize::MAX)),
            Backend::Remote(api) => api.get("events", &[("after", after.to_string())]).await,
        }
    }

    /// Probes streams that never played (needs the running server: a probe
    /// takes a tuner and an account connection like a tune).
    pub async fn probe_streams(
        &self,
        channel: Option<String>,
    ) -> anyhow::Result<Vec<crate::relay::ProbeReport>> {
        match self {
            Backend::Local(_) => anyhow::bail!(
                "probing streams needs the running server (start it with `streamforge serve`)"
            ),
            Backend::Remote(api) => {
                api.post("streams/probe", &crate::api::ProbeRequest { channel })
                    .await
            }
        }
    }

    /// The relay's state: the running server's, or an idle one from the
    /// accounts when no server runs.
    pub async fn status(&self) -> anyhow::Result<crate::relay::RelayStatus> {
        match self {
            Backend::Local(app) => {
                let accounts: Vec<crate::relay::AccountUse> = app
                    .store
                    .accounts()?
                    .into_iter()
                    .filter(|a| a.enabled)
                    .map(|a| crate::relay::AccountUse {
                        limit: a.effective_connections(),
                        name: a.name,
                        in_use: 0,
                    })
                    .collect();
                Ok(crate::relay::RelayStatus {
                    tuners: crate::tuner::settings::tuner_count(app, None)?,
                    tuners_in_use: 0,
                    lineups: Vec::new(),
                    sessions: Vec::new(),
                    accounts,
                    runtime_lag: Default::default(),
                    cameras: app
                        .cameras
                        .list()?
                        .into_iter()
                        .map(|c| crate::camera::registry::CameraView {
                            id: c.id,
                            name: c.name,
                            online: false,
                            viewers: 0,
                            streaming: false,
                            levels: Default::default(),
                            encoded: Default::default(),
                            pictures: 0,
                            restarts: 0,
                            reason: None,
                        })
                        .collect(),
                    put_back: Vec::new(),
                })
            }
            Backend::Remote(api) => api.get("status", &[]).await,
        }
    }

    /// Adds a camera by hand.
    pub async fn add_camera(
        &self,
        new: crate::camera::book::NewCamera,
    ) -> anyhow::Result<crate::camera::book::CameraInfo> {
        match self {
            Backend::Local(app) => {
                let book = app.cameras.clone();
                crate::blocking::run(move || book.add(new)).await
            }
            Backend::Remote(api) => api.post("cameras", &new).await,
        }
    }

    /// Adds a camera controller (its cameras are listed at once).
    pub async fn add_camera_controller(
        &self,
        new: crate::camera::controllers::NewController,
    ) -> anyhow::Result<crate::camera::controllers::ControllerInfo> {
        match self {
            Backend::Local(app) => app.controllers.add(new).await,
            Backend::Remote(api) => api.post("camera-controllers", &new).await,
        }
    }

    /// Removes a camera, or a controller and its cameras; what was removed.
    pub async fn remove_camera(&self, name: &str) -> anyhow::Result<serde_json::Value> {
        match self {
            Backend::Local(app) => {
                let (book, controllers) = (app.cameras.clone(), app.controllers.clone());
                let name = name.to_string();
                crate::blocking::run(move || {
                    if controllers.exists(&name)? {
                        Ok(serde_json::to_value(controllers.remove(&name)?)?)
                    } else {
                        Ok(serde_json::to_value(book.remove(&name)?)?)
                    }
                })
                .await
            }
            Backend::Remote(api) => api.delete(&format!("cameras/{name}")).await,
        }
    }

    pub async fn list_plugins(&self) -> anyhow::Result<Vec<Manifest>> {
        match self {
            Backend::Local(app) => app.plugins.list(),
            Backend::Remote(api) => api.get("plugins", &[]).await,
        }
    }

    pub async fn install_plugin(&self, bytes: Vec<u8>, source: &str) -> anyhow::Result<Manifest> {
        match self {
            Backend::Local(app) => app.plugins.install_bytes(&bytes, source, false),
            Backend::Remote(api) => {
                api.post_bytes("plugins", &[("source", source.to_string())], bytes)
                    .await
            }
        }
    }

    pub async fn remove_plugin(&self, name: &str) -> anyhow::Result<Manifest> {
        match self {
            Backend::Local(app) => app.plugins.remove(name),
            Backend::Remote(api) => api.delete(&format!("plugins/{}", enc(name))).await,
        }
    }

    pub async fn plugin_manifest(&self, name: &str) -> anyhow::Result<Manifest> {
        match self {
            Backend::Local(app) => app.plugins.manifest(name),
            Backend::Remote(_) => self
                .list_plugins()
                .await?
                .into_iter()
                .find(|m| m.name == name)
                .ok_or_else(|| {
                    anyhow!("no plugin named `{name}` is installed (see `streamforge plugin list`)")
                }),
        }
    }
}

/// Percent-encodes a path segment.
fn enc(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}
