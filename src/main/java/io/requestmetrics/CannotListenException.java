package io.requestmetrics;

/**
 * The server cannot listen on one of its sockets. Not a configuration mistake (exit code 2) but a fact of the
 * machine, such as a port another process holds: {@link Main} exits with code 1.
 */
final class CannotListenException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message one line naming the socket, its address and why
     */
    CannotListenException(String message) {
        super(message);
    }
}
