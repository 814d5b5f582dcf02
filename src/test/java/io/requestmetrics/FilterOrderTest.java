package io.requestmetrics;

import io.helidon.common.Weighted;

import io.requestmetrics.edge.Http1Edge;
import io.requestmetrics.metrics.RequestMetricsFeature;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThan;

/**
 * The order of the service's filters, outermost first, as the features' weights set it (a higher weight is set up
 * first and wraps what is set up after it):
 * <ol>
 *     <li>the edge's filters, {@code ClosingConnectionFilter} first ({@link Http1Edge#FILTER_WEIGHT}): closes the
 *     connection only after every other filter has recorded the request;</li>
 *     <li>{@code RequestMetricsFilter} ({@link RequestMetricsFeature#FILTER_WEIGHT});</li>
 *     <li>the filters {@link Main} adds to the routing itself, {@code GracefulShutdown} last (innermost): the routing
 *     feature has {@link Weighted#DEFAULT_WEIGHT}. The request-metrics filter sees the exception with which
 *     {@code GracefulShutdown} cuts a request at the end of the grace period, and records 500.</li>
 * </ol>
 */
class FilterOrderTest {

    @Test
    void closingConnectionsWrapsRequestMetricsWhichWrapsTheRoutingsOwnFilters() {
        assertThat(Http1Edge.FILTER_WEIGHT, greaterThan(RequestMetricsFeature.FILTER_WEIGHT));
        assertThat(RequestMetricsFeature.FILTER_WEIGHT, greaterThan(Weighted.DEFAULT_WEIGHT));
    }
}
