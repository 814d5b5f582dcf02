package io.requestmetrics.api;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A registered model.
 *
 * @param modelId    unique id (see {@link Ids})
 * @param providerId provider serving the model
 * @param modelType  {@code llm} or {@code embedding}
 * @param metadata   free-form JSON object
 */
public record Model(String modelId, String providerId, String modelType, Map<String, Object> metadata) {

    /**
     * @param modelId    unique id
     * @param providerId provider serving the model
     * @param modelType  model type
     * @param metadata   free-form metadata
     */
    public Model {
        metadata = metadata == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }
}
