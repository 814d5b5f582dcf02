package io.requestmetrics.api;

import java.util.List;
import java.util.Map;

import io.helidon.common.media.type.MediaTypes;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Models listed in the configuration follow the rules of {@link Model}, as a registration through the API does:
 * the same default {@code model_type} and the same messages, prefixed with the entry's key.
 */
class StartupModelsTest {

    @Test
    void entriesAreRegisteredWithTheDefaultModelTypeWhenNoneIsGiven() {
        ModelStore store = new ModelStore();

        StartupModels.register(models("""
                - model_id: a
                  provider_id: p
                - model_id: b
                  provider_id: p
                  model_type: embedding
                  metadata:
                    size: small
                """), store);

        assertThat(store.list(), is(List.of(new Model("a", "p", "llm", Map.of()),
                                            new Model("b", "p", "embedding", Map.of("size", "small")))));
    }

    @Test
    void noModelsKeyRegistersNone() {
        ModelStore store = new ModelStore();

        StartupModels.register(Config.empty().get("models"), store);

        assertThat(store.list(), is(List.of()));
    }

    @Test
    void anInvalidEntryStopsStartUpWithTheRegistrationMessage() {
        assertThat(failure("- model_id: a\n  provider_id: p\n  model_type: vision\n"),
                   is("Invalid configuration models.0: field 'model_type' must be one of embedding, llm"));
        assertThat(failure("- model_id: a\n  provider_id: p\n- model_id: b\n"),
                   is("Invalid configuration models.1: field 'provider_id' is required"));
        assertThat(failure("- model_id: a\n  provider_id: p\n- model_id: a\n  provider_id: q\n"),
                   is("Invalid configuration models.1: model_id 'a' is listed twice"));
    }

    private static String failure(String yaml) {
        return assertThrows(IllegalArgumentException.class, () -> StartupModels.register(models(yaml), new ModelStore()))
                .getMessage();
    }

    private static Config models(String yaml) {
        String indented = yaml.indent(2);
        return Config.just(ConfigSources.create("models:\n" + indented, MediaTypes.APPLICATION_X_YAML)).get("models");
    }
}
