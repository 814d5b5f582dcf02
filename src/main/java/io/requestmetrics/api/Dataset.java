package io.requestmetrics.api;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A registered dataset and its rows. Immutable: appending rows makes a new {@code Dataset}, so a reader pages or
 * streams over one consistent snapshot while writers go on.
 *
 * @param datasetId unique id (see {@link Ids})
 * @param purpose   what the rows are for, one of {@link DatasetsService#PURPOSES}
 * @param metadata  free-form JSON object
 * @param rows      rows, each a JSON object
 */
public record Dataset(String datasetId, String purpose, Map<String, Object> metadata, @JsonIgnore List<ObjectNode> rows) {

    /**
     * @param datasetId unique id
     * @param purpose   purpose
     * @param metadata  free-form metadata
     * @param rows      rows
     */
    public Dataset {
        metadata = metadata == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        rows = rows == null ? List.of() : List.copyOf(rows);
    }

    /** @return number of rows, as shown to clients */
    public int rowCount() {
        return rows.size();
    }

    Dataset withAppended(List<ObjectNode> more) {
        List<ObjectNode> all = new ArrayList<>(rows.size() + more.size());
        all.addAll(rows);
        all.addAll(more);
        return new Dataset(datasetId, purpose, metadata, all);
    }
}
