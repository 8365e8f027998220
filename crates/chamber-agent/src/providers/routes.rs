//! Routing: which chain of provider/model pairs serves planning
//! (strategic) and which serves edits and tool use (tactical), the fallback
//! pairs behind each, escalation, and `--prefer` smart selection.

use chamber_config::Config;
use chamber_llm::{ErrorKind, ModelOverride, ModelTable, Preference, Target};

use super::catalogue::all_provider_defs;
use super::choice::{ProviderChoice, choice_for, parse_model_ref};

/// The kind of work a model request does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteRole {
    /// Planning, re-planning, review, escalated steps.
    Strategic,
    /// Edits and tool use.
    Tactical,
}

impl RouteRole {
    /// Lowercase name for records.
    pub fn as_str(self) -> &'static str {
        match self {
            RouteRole::Strategic => "strategic",
            RouteRole::Tactical => "tactical",
        }
    }
}

/// The chains as provider choices, before any client exists.
#[derive(Debug, Clone)]
pub struct RoutePlan {
    /// Tactical pair, then the fallback pairs.
    pub tactical: Vec<ProviderChoice>,
    /// Strategic pair, then the fallback pairs.
    pub strategic: Vec<ProviderChoice>,
    /// Error classes that move a request down the chain.
    pub fall_on: Vec<ErrorKind>,
    /// Failed attempts at a step before it escalates; 0 never.
    pub escalate_after: u32,
}

impl RoutePlan {
    /// Every distinct choice, for building clients once each.
    pub fn distinct(&self) -> Vec<ProviderChoice> {
        let mut out: Vec<ProviderChoice> = Vec::new();
        for c in self.tactical.iter().chain(&self.strategic) {
            if !out.iter().any(|o| o.label() == c.label()) {
                out.push(c.clone());
            }
        }
        out
    }
}

/// Lays out the chains from `[routing]` and `[fallback]` around the main
/// choice. Errors name the bad setting.
pub fn plan_routes(
    config: &Config,
    main: &ProviderChoice,
    get_env: &dyn Fn(&str) -> Option<String>,
) -> Result<RoutePlan, String> {
    let resolve = |key: &str, text: &str| -> Result<ProviderChoice, String> {
        let (provider, model) = parse_model_ref(config, text, &main.provider);
        if provider == main.provider && (model.is_empty() || model == main.model) {
            return Ok(main.clone());
        }
        let c = choice_for(config, &provider, &model, get_env);
        if !c.local && c.base_url.is_empty() {
            return Err(format!(
                "{key} = {text:?}: unknown provider {provider:?}; define it under [providers.{provider}]"
            ));
        }
        Ok(c)
    };
    let pick = |key: &str, text: &str| -> Result<ProviderChoice, String> {
        if text.is_empty() {
            Ok(main.clone())
        } else {
            resolve(key, text)
        }
    };
    let tactical = pick("routing.tactical", &config.routing.tactical)?;
    let strategic = pick("routing.strategic", &config.routing.strategic)?;
    let mut fallbacks = Vec::new();
    for text in &config.fallback.chain {
        fallbacks.push(resolve("fallback.chain", text)?);
    }
    let chain = |first: ProviderChoice| {
        let mut v = vec![first];
        for f in &fallbacks {
            if !v.iter().any(|c: &ProviderChoice| c.label() == f.label()) {
                v.push(f.clone());
            }
        }
        v
    };
    let fall_on = config
        .fallback
        .on
        .iter()
        .map(|c| c.parse::<ErrorKind>())
        .collect::<Result<Vec<_>, _>>()?;
    Ok(RoutePlan {
        tactical: chain(tactical),
        strategic: chain(strategic),
        fall_on,
        escalate_after: config.routing.escalate_after,
    })
}

/// The ready chains the run loop asks.
#[derive(Clone)]
pub struct Routes {
    /// Tactical chain.
    pub tactical: Vec<Target>,
    /// Strategic chain.
    pub strategic: Vec<Target>,
    /// Error classes that move a request down the chain.
    pub fall_on: Vec<ErrorKind>,
    /// Failed attempts at a step before it escalates; 0 never.
    pub escalate_after: u32,
    /// Prices and windows, for cost and budgets.
    pub models: ModelTable,
}

impl Routes {
    /// One pair for everything, no fallback (tests, `model chat`).
    pub fn single(target: Target, models: ModelTable) -> Self {
        Self {
            tactical: vec![target.clone()],
            strategic: vec![target],
            fall_on: Vec::new(),
            escalate_after: 0,
            models,
        }
    }

    /// The chain for `role`.
    pub fn chain(&self, role: RouteRole) -> &[Target] {
        match role {
            RouteRole::Strategic => &self.strategic,
            RouteRole::Tactical => &self.tactical,
        }
    }

    /// Whether escalation would change the model.
    pub fn can_escalate(&self) -> bool {
        self.escalate_after > 0
            && self.strategic.first().map(Target::label) != self.tactical.first().map(Target::label)
    }
}

/// The shipped model table with `[models]` and `[providers.*.models]` applied.
pub fn model_table(config: &Config) -> ModelTable {
    let mut table = ModelTable::shipped();
    let apply = |table: &mut ModelTable,
                 name: &str,
                 spec: &chamber_config::ModelSpec,
                 provider: Option<&str>| {
        table.apply(
            name,
            &ModelOverride {
                provider: provider.map(String::from),
                context_window: spec.context_window,
                input: spec.input,
                output: spec.output,
                cached: spec.cached,
                speed: spec.speed,
                quality: spec.quality,
            },
        );
    };
    for (pname, p) in &config.providers {
        for (name, spec) in &p.models {
            apply(&mut table, name, spec, Some(pname));
        }
    }
    for (name, spec) in &config.models {
        apply(&mut table, name, spec, None);
    }
    table
}

/// `--prefer`: the best model by declared traits among providers whose key
/// is in the environment. Returns the provider, the model and why.
pub fn preferred_model(
    config: &Config,
    preference: Preference,
    get_env: &dyn Fn(&str) -> Option<String>,
) -> Result<(String, String, String), String> {
    let usable: Vec<String> = all_provider_defs(config)
        .into_iter()
        .filter(|d| d.api_key_env.is_some() && d.key_present(get_env))
        .map(|d| d.name)
        .collect();
    let table = model_table(config);
    let picked = table
        .pick(preference, |m| usable.contains(&m.provider))
        .ok_or_else(|| {
            "--prefer needs a provider with an API key in the environment (OPENAI_API_KEY, \
             ANTHROPIC_API_KEY, GEMINI_API_KEY, …) and priced models for it"
                .to_string()
        })?;
    let why = format!(
        "--prefer {}: picked from the model table among {}",
        match preference {
            Preference::Cheap => "cheap",
            Preference::Fast => "fast",
            Preference::Best => "best",
        },
        usable.join(", ")
    );
    Ok((picked.provider.clone(), picked.name.clone(), why))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::choose_provider;

    fn env(k: &str) -> Option<String> {
        matches!(k, "OPENAI_API_KEY" | "ANTHROPIC_API_KEY").then(|| "k".to_string())
    }

    #[test]
    fn chains_put_fallbacks_behind_each_role() {
        let config: Config = toml::from_str(
            r#"
            [routing]
            strategic = "anthropic:claude-sonnet-4-5"
            [fallback]
            chain = ["anthropic:claude-haiku-4-5", "openai:gpt-4o-mini"]
            on = ["overloaded"]
        "#,
        )
        .unwrap();
        let main = choose_provider(&config, env);
        assert_eq!(main.label(), "openai:gpt-4o-mini");
        let plan = plan_routes(&config, &main, &env).unwrap();
        let labels = |v: &[ProviderChoice]| v.iter().map(|c| c.label()).collect::<Vec<_>>();
        assert_eq!(
            labels(&plan.tactical),
            ["openai:gpt-4o-mini", "anthropic:claude-haiku-4-5"]
        );
        assert_eq!(
            labels(&plan.strategic),
            [
                "anthropic:claude-sonnet-4-5",
                "anthropic:claude-haiku-4-5",
                "openai:gpt-4o-mini"
            ]
        );
        assert_eq!(plan.fall_on, [ErrorKind::Overloaded]);
        assert_eq!(plan.distinct().len(), 3);
    }

    #[test]
    fn an_unknown_prefix_is_part_of_the_model_name() {
        let config: Config = toml::from_str("[fallback]\nchain = [\"nowhere:model\"]").unwrap();
        let main = choose_provider(&config, env);
        // `nowhere` is not a provider, so the text is a model of the main provider.
        let plan = plan_routes(&config, &main, &env).unwrap();
        assert_eq!(plan.tactical[1].label(), "openai:nowhere:model");
    }

    #[test]
    fn prefer_picks_among_providers_with_keys() {
        let config = Config::default();
        let (p, m, why) = preferred_model(&config, Preference::Best, &env).unwrap();
        assert!(p == "openai" || p == "anthropic", "{p}");
        assert!(!m.is_empty() && why.contains("anthropic"));
        let (p, _, _) = preferred_model(&config, Preference::Cheap, &env).unwrap();
        assert_ne!(p, "gemini", "no Gemini key");
        assert!(preferred_model(&config, Preference::Cheap, &|_| None).is_err());
    }

    #[test]
    fn config_prices_reach_the_table() {
        let config: Config = toml::from_str(
            "[models.\"gpt-4o-mini\"]\ninput = 9.0\n[providers.vllm]\nwire = \"openai-chat\"\nbase_url = \"http://x/v1\"\n[providers.vllm.models.house]\ninput = 0.0\noutput = 0.0",
        )
        .unwrap();
        let t = model_table(&config);
        assert_eq!(t.lookup("gpt-4o-mini").unwrap().input, Some(9.0));
        assert_eq!(t.lookup("house").unwrap().provider, "vllm");
    }
}
