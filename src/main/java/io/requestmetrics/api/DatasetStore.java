package io.requestmetrics.api;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Registered datasets, in memory, ordered by id. Thread-safe: every change is one atomic step on a concurrent map,
 * and datasets are immutable, so an append racing a delete either lands before it or reports the dataset gone, and
 * a reader never sees half an append. One store per service instance (per replica).
 */
public final class DatasetStore {

    /** Outcome of a registration. */
    public enum AddResult {
        /** The dataset was added. */
        ADDED,
        /** Another dataset has this id; nothing was added. */
        DUPLICATE,
        /** The dataset has more rows than a dataset may hold; nothing was added. */
        TOO_MANY_ROWS
    }

    /** Outcome of an append. */
    public enum AppendResult {
        /** The rows were added. */
        APPENDED,
        /** No dataset has this id. */
        NOT_FOUND,
        /** The rows would take the dataset over its row limit; nothing was added. */
        TOO_MANY_ROWS
    }

    private final ConcurrentNavigableMap<String, Dataset> datasets = new ConcurrentSkipListMap<>();
    private final int maxRows;

    /**
     * @param maxRows most rows a dataset may hold
     */
    public DatasetStore(int maxRows) {
        if (maxRows < 1) {
            throw new IllegalArgumentException("Invalid configuration datasets.max-rows: must be at least 1, got " + maxRows);
        }
        this.maxRows = maxRows;
    }

    /** @return most rows a dataset may hold */
    public int maxRows() {
        return maxRows;
    }

    /** @return all datasets, by id */
    public List<Dataset> list() {
        return List.copyOf(datasets.values());
    }

    /** @return the dataset with this id */
    public Optional<Dataset> find(String datasetId) {
        return Optional.ofNullable(datasets.get(datasetId));
    }

    /** @return what happened */
    public AddResult add(Dataset dataset) {
        if (dataset.rowCount() > maxRows) {
            return AddResult.TOO_MANY_ROWS;
        }
        return datasets.putIfAbsent(dataset.datasetId(), dataset) == null ? AddResult.ADDED : AddResult.DUPLICATE;
    }

    /** @return whether a dataset was removed */
    public boolean remove(String datasetId) {
        return datasets.remove(datasetId) != null;
    }

    /**
     * Appends rows atomically: all of them or none.
     *
     * @return what happened
     */
    public AppendResult append(String datasetId, List<ObjectNode> rows) {
        AppendResult[] result = {AppendResult.NOT_FOUND};
        datasets.computeIfPresent(datasetId, (id, dataset) -> {
            if ((long) dataset.rowCount() + rows.size() > maxRows) {
                result[0] = AppendResult.TOO_MANY_ROWS;
                return dataset;
            }
            result[0] = AppendResult.APPENDED;
            return dataset.withAppended(rows);
        });
        return result[0];
    }
}
