package com.example.shop;

import java.util.logging.Logger;

import io.helidon.config.Config;
import io.helidon.http.Status;
import io.helidon.logging.common.LogConfig;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * A small shop: orders and a ping. Request metrics come from configuration alone (application.yaml).
 */
public final class ShopMain {

    private static final Logger LOGGER = Logger.getLogger(ShopMain.class.getName());

    private ShopMain() {
    }

    /**
     * Starts the shop on the ports of application.yaml (0: free ports, logged).
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        LogConfig.configureRuntime();
        Config config = Config.create();
        WebServer server = WebServer.builder()
                .config(config.get("server"))
                .routing(ShopMain::routing)
                .build()
                .start();
        LOGGER.info("shop ready: port " + server.port() + ", admin port " + server.port("admin"));
    }

    static void routing(HttpRouting.Builder routing) {
        routing.get("/orders/{id}", ShopMain::order)
                .post("/orders", (req, res) -> res.status(Status.CREATED_201).send("created"))
                .get("/ping", (req, res) -> res.send("pong"));
    }

    private static void order(ServerRequest req, ServerResponse res) {
        String id = req.path().pathParameters().get("id");
        if (!id.chars().allMatch(Character::isDigit)) {
            res.status(Status.NOT_FOUND_404).send("no order " + id);
            return;
        }
        res.send("order " + id);
    }
}
