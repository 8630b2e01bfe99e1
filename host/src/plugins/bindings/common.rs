//! What every released contract version (0.1.0, 0.2.0) converts and calls
//! the same way, written once as macros that each version's module expands
//! against its own generated bindings: `wit` (the `types` interface), `m`
//! (the matcher's exports), `provider` and `matcher` (the worlds) and the
//! host's `model`, as named where the macro is used. A later version that
//! changes one of these records writes its own conversion instead (as 0.2.0
//! does for requests) and keeps using the rest.

/// The conversions of provider channels, both ways (also used by the test
/// contract, whose other records differ).
macro_rules! channel_conversions {
    () => {
        impl From<wit::ProviderChannel> for model::ProviderChannel {
            fn from(c: wit::ProviderChannel) -> Self {
                model::ProviderChannel {
                    key: c.key,
                    name: c.name,
                    base_name: c.base_name,
                    quality: c.quality.into(),
                    tags: c.tags,
                    group: c.group,
                    logo: c.logo,
                    guide_id: c.guide_id,
                    number: c.number,
                    extra: c.extra,
                }
            }
        }

        impl From<&model::ProviderChannel> for wit::ProviderChannel {
            fn from(c: &model::ProviderChannel) -> Self {
                wit::ProviderChannel {
                    key: c.key.clone(),
                    name: c.name.clone(),
                    base_name: c.base_name.clone(),
                    quality: c.quality.into(),
                    tags: c.tags.clone(),
                    group: c.group.clone(),
                    logo: c.logo.clone(),
                    guide_id: c.guide_id.clone(),
                    number: c.number,
                    extra: c.extra.clone(),
                }
            }
        }
    };
}

/// Everything but the requests (which 0.2.0 extended): qualities,
/// responses, names, candidates, account status, plugin info, the matcher's
/// records, and the provider and matcher calls.
macro_rules! shared_bindings {
    () => {
        channel_conversions!();

        impl From<wit::Quality> for model::Quality {
            fn from(q: wit::Quality) -> Self {
                match q {
                    wit::Quality::Uhd => model::Quality::Uhd,
                    wit::Quality::Fhd => model::Quality::Fhd,
                    wit::Quality::Hd => model::Quality::Hd,
                    wit::Quality::Sd => model::Quality::Sd,
                    wit::Quality::Unknown => model::Quality::Unknown,
                }
            }
        }

        impl From<model::Quality> for wit::Quality {
            fn from(q: model::Quality) -> Self {
                match q {
                    model::Quality::Uhd => wit::Quality::Uhd,
                    model::Quality::Fhd => wit::Quality::Fhd,
                    model::Quality::Hd => wit::Quality::Hd,
                    model::Quality::Sd => wit::Quality::Sd,
                    model::Quality::Unknown => wit::Quality::Unknown,
                }
            }
        }

        /// Moves the body in: a catalogue's is tens of megabytes.
        impl From<model::HttpResponse> for wit::HttpResponse {
            fn from(r: model::HttpResponse) -> Self {
                wit::HttpResponse {
                    purpose: r.purpose,
                    status: r.status,
                    headers: r.headers,
                    body: r.body,
                }
            }
        }

        impl From<&model::HttpResponse> for wit::HttpResponse {
            fn from(r: &model::HttpResponse) -> Self {
                wit::HttpResponse {
                    purpose: r.purpose.clone(),
                    status: r.status,
                    headers: r.headers.clone(),
                    body: r.body.clone(),
                }
            }
        }

        impl From<wit::ParsedName> for model::ParsedName {
            fn from(p: wit::ParsedName) -> Self {
                model::ParsedName {
                    base_name: p.base_name,
                    quality: p.quality.into(),
                    tags: p.tags,
                }
            }
        }

        impl From<wit::Candidate> for model::Candidate {
            fn from(c: wit::Candidate) -> Self {
                model::Candidate {
                    url_template: c.url_template,
                    headers: c.headers,
                }
            }
        }

        impl From<wit::AccountStatus> for model::AccountStatus {
            fn from(s: wit::AccountStatus) -> Self {
                model::AccountStatus {
                    authenticated: s.authenticated,
                    status: s.status,
                    expires_at: s.expires_at,
                    max_connections: s.max_connections,
                    active_connections: s.active_connections,
                    formats: s.formats,
                }
            }
        }

        impl From<wit::PluginInfo> for model::PluginInfo {
            fn from(i: wit::PluginInfo) -> Self {
                model::PluginInfo {
                    name: i.name,
                    version: i.version,
                    description: i.description,
                }
            }
        }

        /// Moved in for a match and back out after it, never copied: a match can
        /// be asked about hundreds of thousands of streams.
        impl From<model::ProviderChannel> for wit::ProviderChannel {
            fn from(c: model::ProviderChannel) -> Self {
                wit::ProviderChannel {
                    key: c.key,
                    name: c.name,
                    base_name: c.base_name,
                    quality: c.quality.into(),
                    tags: c.tags,
                    group: c.group,
                    logo: c.logo,
                    guide_id: c.guide_id,
                    number: c.number,
                    extra: c.extra,
                }
            }
        }

        impl From<model::GuideChannel> for m::GuideChannel {
            fn from(g: model::GuideChannel) -> Self {
                m::GuideChannel {
                    id: g.id,
                    names: g.names,
                    number: g.number,
                    icon: g.icon,
                }
            }
        }

        impl From<m::GuideChannel> for model::GuideChannel {
            fn from(g: m::GuideChannel) -> Self {
                model::GuideChannel {
                    id: g.id,
                    names: g.names,
                    number: g.number,
                    icon: g.icon,
                }
            }
        }

        impl From<model::AccountChannel> for m::AccountChannel {
            fn from(a: model::AccountChannel) -> Self {
                m::AccountChannel {
                    account: a.account,
                    channel: a.channel.into(),
                }
            }
        }

        impl From<m::AccountChannel> for model::AccountChannel {
            fn from(a: m::AccountChannel) -> Self {
                model::AccountChannel {
                    account: a.account,
                    channel: a.channel.into(),
                }
            }
        }

        impl From<m::ChannelMatch> for model::ChannelMatch {
            fn from(c: m::ChannelMatch) -> Self {
                model::ChannelMatch {
                    guide_id: c.guide_id,
                    account: c.account,
                    channel_key: c.channel_key,
                    confidence: c.confidence,
                }
            }
        }

        fn all<T, U: From<T>>(list: Vec<T>) -> Vec<U> {
            list.into_iter().map(U::from).collect()
        }

        fn responses(list: &[model::HttpResponse]) -> Vec<wit::HttpResponse> {
            list.iter().map(wit::HttpResponse::from).collect()
        }

        /// A provider adapter built against this version, linked and ready to call.
        pub(crate) struct Provider(provider::ProviderAdapterPre<Sandbox>);

        impl Provider {
            /// Checks that `pre` exports this version's provider world.
            pub(crate) fn new(pre: InstancePre<Sandbox>) -> wasmtime::Result<Self> {
                Ok(Provider(provider::ProviderAdapterPre::new(pre)?))
            }

            fn guest(
                &self,
                store: &mut Store<Sandbox>,
            ) -> wasmtime::Result<provider::ProviderAdapter> {
                self.0.instantiate(store)
            }

            pub(crate) fn info(
                &self,
                store: &mut Store<Sandbox>,
            ) -> wasmtime::Result<model::PluginInfo> {
                let g = self.guest(store)?;
                Ok(g.streamforge_plugin_provider().call_info(store)?.into())
            }

            pub(crate) fn parse_name(
                &self,
                store: &mut Store<Sandbox>,
                name: &str,
            ) -> wasmtime::Result<model::ParsedName> {
                let g = self.guest(store)?;
                Ok(g.streamforge_plugin_provider()
                    .call_parse_name(store, name)?
                    .into())
            }

            pub(crate) fn stream_candidates(
                &self,
                store: &mut Store<Sandbox>,
                channel: &model::ProviderChannel,
                options: &[(String, String)],
            ) -> wasmtime::Result<Vec<model::Candidate>> {
                let g = self.guest(store)?;
                let channel = wit::ProviderChannel::from(channel);
                Ok(all(g
                    .streamforge_plugin_provider()
                    .call_stream_candidates(store, &channel, options)?))
            }

            pub(crate) fn account_requests(
                &self,
                store: &mut Store<Sandbox>,
                options: &[(String, String)],
            ) -> wasmtime::Result<Vec<model::HttpRequest>> {
                let g = self.guest(store)?;
                Ok(all(g
                    .streamforge_plugin_provider()
                    .call_account_requests(store, options)?))
            }

            pub(crate) fn parse_account(
                &self,
                store: &mut Store<Sandbox>,
                answers: &[model::HttpResponse],
            ) -> wasmtime::Result<Result<model::AccountStatus, String>> {
                let g = self.guest(store)?;
                let answers = responses(answers);
                Ok(g.streamforge_plugin_provider()
                    .call_parse_account(store, &answers)?
                    .map(Into::into))
            }

            pub(crate) fn catalog_requests(
                &self,
                store: &mut Store<Sandbox>,
                options: &[(String, String)],
            ) -> wasmtime::Result<Vec<model::HttpRequest>> {
                let g = self.guest(store)?;
                Ok(all(g
                    .streamforge_plugin_provider()
                    .call_catalog_requests(store, options)?))
            }

            pub(crate) fn parse_catalog(
                &self,
                store: &mut Store<Sandbox>,
                answers: Vec<model::HttpResponse>,
            ) -> wasmtime::Result<Result<Vec<model::ProviderChannel>, String>> {
                let g = self.guest(store)?;
                let answers = all::<_, wit::HttpResponse>(answers);
                let channels = g
                    .streamforge_plugin_provider()
                    .call_parse_catalog(store, &answers)?;
                drop(answers);
                Ok(channels.map(all))
            }
        }

        /// A channel matcher built against this version, linked and ready to call.
        pub(crate) struct Matcher(matcher::ChannelMatcherPre<Sandbox>);

        impl Matcher {
            /// Checks that `pre` exports this version's matcher world.
            pub(crate) fn new(pre: InstancePre<Sandbox>) -> wasmtime::Result<Self> {
                Ok(Matcher(matcher::ChannelMatcherPre::new(pre)?))
            }

            pub(crate) fn info(
                &self,
                store: &mut Store<Sandbox>,
            ) -> wasmtime::Result<model::PluginInfo> {
                let g = self.0.instantiate(&mut *store)?;
                Ok(g.streamforge_plugin_matcher().call_info(store)?.into())
            }

            pub(crate) fn match_channels(
                &self,
                store: &mut Store<Sandbox>,
                guide: Vec<model::GuideChannel>,
                streams: Vec<model::AccountChannel>,
                options: &[(String, String)],
            ) -> wasmtime::Result<super::MatchAnswer> {
                let g = self.0.instantiate(&mut *store)?;
                let guide: Vec<m::GuideChannel> = all(guide);
                let streams: Vec<m::AccountChannel> = all(streams);
                let found = g
                    .streamforge_plugin_matcher()
                    .call_match_channels(store, &guide, &streams, options)?;
                Ok((all(found), all(guide), all(streams)))
            }
        }
    };
}
