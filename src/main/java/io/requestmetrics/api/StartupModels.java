package io.requestmetrics.api;

import java.util.List;
import java.util.Map;

import io.helidon.config.Config;

import io.requestmetrics.config.ConfigValues;

/**
 * Registers the models listed under {@code models:} in the configuration at start-up. An invalid or duplicate
 * entry stops start-up with a message naming its index.
 */
public final class StartupModels {

    private StartupModels() {
    }

    /**
     * @param models the {@code models} node (a list; missing means none)
     * @param store  where to register them
     */
    public static void register(Config models, ModelStore store) {
        List<Config> entries = ConfigValues.list(models);
        for (int i = 0; i < entries.size(); i++) {
            Config entry = entries.get(i);
            Map<String, Object> metadata = entry.get("metadata").exists()
                    ? Json.MAPPER.convertValue(entry.get("metadata").detach().asMap().orElse(Map.of()), Map.class)
                    : Map.of();
            Model model = new Model(entry.get("model_id").asString().orElse(null),
                                    entry.get("provider_id").asString().orElse(null),
                                    entry.get("model_type").asString().orElse(null),
                                    metadata);
            String key = "models." + i;
            model.problem().ifPresent(problem -> {
                throw new IllegalArgumentException("Invalid configuration " + key + ": " + problem);
            });
            if (!store.add(model)) {
                throw new IllegalArgumentException("Invalid configuration " + key + ": model_id '" + model.modelId()
                                                           + "' is listed twice");
            }
        }
    }
}
