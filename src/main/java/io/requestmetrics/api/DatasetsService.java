package io.requestmetrics.api;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.helidon.common.media.type.MediaType;
import io.helidon.common.media.type.MediaTypes;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.http.sse.SseEvent;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.helidon.webserver.sse.SseSink;

/**
 * {@code /v1/datasets}: list, get, register and unregister datasets; page through, stream and append their rows.
 */
public final class DatasetsService implements ApiService {

    /** Media type of the streamed rows: one JSON object per line. */
    public static final MediaType NDJSON = MediaTypes.create("application", "x-ndjson");
    /** Media type of the rows as server-sent events: one event per row, then a {@value #DONE} event. */
    public static final MediaType EVENT_STREAM = MediaTypes.TEXT_EVENT_STREAM;
    /** Name of the last event of a row event stream; its data is {@code {"rows":N}}, the number of rows sent. */
    public static final String DONE = "done";
    /** Accepted values of {@code purpose}. */
    public static final Set<String> PURPOSES = Set.of("post-training/messages", "eval/question-answer", "eval/messages-answer");
    /** Page size when {@code limit} is not given. */
    public static final int DEFAULT_LIMIT = 100;
    /** Largest accepted {@code limit}. */
    public static final int MAX_LIMIT = 1000;

    private static final Pattern ASCII_INTEGER = Pattern.compile("[+-]?[0-9]{1,18}");

    private final DatasetStore store;

    /**
     * @param store where datasets are kept
     */
    public DatasetsService(DatasetStore store) {
        this.store = store;
    }

    @Override
    public String name() {
        return "datasets";
    }

    @Override
    public List<Route> routes() {
        return List.of(
                Route.get("/", this::list),
                Route.post("/", this::register),
                Route.get("/{dataset_id}", this::get),
                Route.delete("/{dataset_id}", this::unregister),
                Route.get("/{dataset_id}/rows", this::rows).alsoProducing(NDJSON).alsoProducing(EVENT_STREAM),
                Route.post("/{dataset_id}/rows", this::appendRows));
    }

    /** Body of {@code POST /v1/datasets}. */
    record Registration(String datasetId, String purpose, List<ObjectNode> rows, Map<String, Object> metadata) {
    }

    /** Body of {@code POST /v1/datasets/{dataset_id}/rows}. */
    record Rows(List<ObjectNode> rows) {
    }

    private void list(ServerRequest req, ServerResponse res) {
        Json.send(res, Status.OK_200, Map.of("data", store.list().stream().map(DatasetsService::summary).toList()));
    }

    private void get(ServerRequest req, ServerResponse res) {
        withDataset(req, res, dataset -> Json.send(res, Status.OK_200, summary(dataset)));
    }

    private void register(ServerRequest req, ServerResponse res) {
        Optional<Registration> body = JsonBodies.read(req, res, Registration.class);
        if (body.isEmpty()) {
            return;
        }
        Registration registration = body.get();
        Optional<String> problem = Ids.problem("dataset_id", registration.datasetId())
                .or(() -> purposeProblem(registration.purpose()))
                .or(() -> rowsProblem(registration.rows(), false));
        if (problem.isPresent()) {
            JsonErrors.send(res, Status.BAD_REQUEST_400, problem.get());
            return;
        }
        Dataset dataset = new Dataset(registration.datasetId(), registration.purpose(), registration.metadata(),
                                      registration.rows());
        switch (store.add(dataset)) {
            case ADDED -> {
                res.header(HeaderNames.LOCATION, basePath() + "/" + dataset.datasetId());
                Json.send(res, Status.CREATED_201, summary(dataset));
            }
            case DUPLICATE -> JsonErrors.send(res, Status.CONFLICT_409, "a dataset with this dataset_id is already registered");
            case TOO_MANY_ROWS -> JsonErrors.send(res, Status.REQUEST_ENTITY_TOO_LARGE_413,
                                                  "a dataset holds at most " + store.maxRows() + " rows");
        }
    }

    private void unregister(ServerRequest req, ServerResponse res) {
        if (store.remove(datasetId(req))) {
            res.status(Status.NO_CONTENT_204).send();
        } else {
            datasetNotFound(res);
        }
    }

    private void rows(ServerRequest req, ServerResponse res) {
        withDataset(req, res, dataset -> {
            // Route has already answered 406 if none of the three is acceptable; ties go to the first listed.
            MediaType answer = req.headers().bestAccepted(MediaTypes.APPLICATION_JSON, NDJSON, EVENT_STREAM)
                    .orElse(MediaTypes.APPLICATION_JSON);
            if (answer.equals(NDJSON)) {
                streamRows(res, dataset.rows());
                return;
            }
            if (answer.equals(EVENT_STREAM)) {
                sendRowEvents(res, dataset.rows());
                return;
            }
            OptionalInt start = intParameter(req, res, "start_index", 0, 0, Integer.MAX_VALUE);
            if (start.isEmpty()) {
                return;
            }
            OptionalInt limit = intParameter(req, res, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
            if (limit.isEmpty()) {
                return;
            }
            List<ObjectNode> rows = dataset.rows();
            int from = Math.min(start.getAsInt(), rows.size());
            int to = (int) Math.min((long) from + limit.getAsInt(), rows.size());
            Map<String, Object> page = new LinkedHashMap<>();
            page.put("data", rows.subList(from, to));
            page.put("next_start_index", to < rows.size() ? to : null);
            Json.send(res, Status.OK_200, page);
        });
    }

    private void appendRows(ServerRequest req, ServerResponse res) {
        // An unknown dataset answers 404 before its body is read.
        withDataset(req, res, found -> {
            Optional<Rows> body = JsonBodies.read(req, res, Rows.class);
            if (body.isEmpty()) {
                return;
            }
            List<ObjectNode> rows = body.get().rows();
            Optional<String> problem = rowsProblem(rows, true);
            if (problem.isPresent()) {
                JsonErrors.send(res, Status.BAD_REQUEST_400, problem.get());
                return;
            }
            switch (store.append(found.datasetId(), rows)) {
                // A delete may land between the append and this read: then the dataset is gone, as a client
                // would see next.
                case APPENDED -> withDataset(req, res, appended -> Json.send(res, Status.OK_200, summary(appended)));
                // A delete landed between the check above and the append.
                case NOT_FOUND -> datasetNotFound(res);
                case TOO_MANY_ROWS -> JsonErrors.send(res, Status.REQUEST_ENTITY_TOO_LARGE_413,
                        "a dataset holds at most " + store.maxRows() + " rows; nothing was appended");
            }
        });
    }

    /** Runs {@code action} with the dataset the path names, or answers 404. */
    private void withDataset(ServerRequest req, ServerResponse res, Consumer<Dataset> action) {
        store.find(datasetId(req)).ifPresentOrElse(action, () -> datasetNotFound(res));
    }

    private static String datasetId(ServerRequest req) {
        return req.path().pathParameters().get("dataset_id");
    }

    /** The one answer for a dataset id that names no dataset, whichever operation finds it missing. */
    private static void datasetNotFound(ServerResponse res) {
        JsonErrors.send(res, Status.NOT_FOUND_404, "dataset not found");
    }

    private static void streamRows(ServerResponse res, List<ObjectNode> rows) {
        res.status(Status.OK_200).header(HeaderNames.CONTENT_TYPE, NDJSON.text());
        // A client that goes away makes a write throw Helidon's ServerConnectionException, which must reach the
        // filter unchanged: it is how a cut stream is told from a failed one.
        try (OutputStream out = res.outputStream()) {
            for (ObjectNode row : rows) {
                out.write(Json.bytes(row));
                out.write('\n');
                out.flush();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Sends every row as one server-sent event ({@code id:} the row's index, {@code data:} the row as compact JSON,
     * the same bytes as its NDJSON line), then a {@value #DONE} event whose data is {@code {"rows":N}}. Helidon's sink
     * writes the headers when it is created and flushes each event as it is emitted.
     * <p>
     * A client that goes away makes an emit throw Helidon's {@code ServerConnectionException} (the sink only wraps a
     * checked {@code IOException}, and Helidon 4.5.0 reports a failed socket write unchecked), so it reaches the
     * filter unchanged and is counted 499, as for NDJSON. It is deliberately not caught here: the checked
     * {@code IOException}s the sink does wrap mean a server fault (a write after close), not a client that left.
     */
    private static void sendRowEvents(ServerResponse res, List<ObjectNode> rows) {
        res.status(Status.OK_200);
        SseSink sink = res.sink(SseSink.TYPE);
        for (int i = 0; i < rows.size(); i++) {
            // byte[] data is written as it is: no media writer re-encodes or quotes it.
            sink.emit(SseEvent.builder().id(Integer.toString(i)).data(Json.bytes(rows.get(i))).build());
        }
        sink.emit(SseEvent.builder().name(DONE).data(Json.bytes(Map.of("rows", rows.size()))).build());
        sink.close();
    }

    private static Map<String, Object> summary(Dataset dataset) {
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("dataset_id", dataset.datasetId());
        summary.put("purpose", dataset.purpose());
        summary.put("metadata", dataset.metadata());
        summary.put("row_count", dataset.rowCount());
        return summary;
    }

    private static Optional<String> purposeProblem(String purpose) {
        if (purpose == null || !PURPOSES.contains(purpose)) {
            return Optional.of("field 'purpose' must be one of " + String.join(", ", PURPOSES.stream().sorted().toList()));
        }
        return Optional.empty();
    }

    private static Optional<String> rowsProblem(List<ObjectNode> rows, boolean required) {
        if (rows == null) {
            return required ? Optional.of("field 'rows' is required") : Optional.empty();
        }
        for (int i = 0; i < rows.size(); i++) {
            if (rows.get(i) == null) {
                return Optional.of("field 'rows[" + i + "]' must be a JSON object");
            }
        }
        return Optional.empty();
    }

    private static OptionalInt intParameter(ServerRequest req, ServerResponse res, String name, int defaultValue, int min, int max) {
        Optional<String> raw = req.query().first(name).asOptional();
        if (raw.isEmpty()) {
            return OptionalInt.of(defaultValue);
        }
        // strip(), not trim(): trim() would also drop control characters such as %00.
        String text = raw.get().strip();
        // ASCII digits only (Long.parseLong would also take other scripts' digits), and few enough not to overflow.
        if (ASCII_INTEGER.matcher(text).matches()) {
            long value = Long.parseLong(text);
            if (value >= min && value <= max) {
                return OptionalInt.of((int) value);
            }
        }
        JsonErrors.send(res, Status.BAD_REQUEST_400,
                        "query parameter '" + name + "' must be an integer from " + min + " to " + max);
        return OptionalInt.empty();
    }
}
