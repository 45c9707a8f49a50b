/* The AMQP benchmark loop in plain C against librabbitmq, to compare the Swift wrapper with.
 * Same work as `erp-bench amqp`: one connection publishes N persistent messages of SIZE
 * bytes with publisher confirms (at most WINDOW unconfirmed), another consumes them with
 * basic.qos PREFETCH and acks each one; prints messages per second, publish start to last ack.
 *
 *   amqp_loop HOST PORT USER PASSWORD QUEUE MESSAGES SIZE WINDOW PREFETCH
 *
 * The queue must exist. Built and run by Tests/Benchmarks/run.sh. */
#include <amqp.h>
#include <amqp_framing.h>
#include <amqp_tcp_socket.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

static const char *host, *user, *password, *queue;
static int port, messages, size, window, prefetch;

static double now_seconds(void) {
  struct timeval tv;
  gettimeofday(&tv, NULL);
  return tv.tv_sec + tv.tv_usec / 1e6;
}

static void fail(const char *what) {
  fprintf(stderr, "amqp_loop: %s failed\n", what);
  exit(1);
}

static void check_reply(amqp_rpc_reply_t reply, const char *what) {
  if (reply.reply_type != AMQP_RESPONSE_NORMAL) fail(what);
}

static amqp_connection_state_t open_connection(void) {
  amqp_connection_state_t conn = amqp_new_connection();
  amqp_socket_t *socket = amqp_tcp_socket_new(conn);
  if (!socket || amqp_socket_open(socket, host, port) != AMQP_STATUS_OK) fail("connect");
  check_reply(amqp_login(conn, "/", 0, 131072, 30, AMQP_SASL_METHOD_PLAIN, user, password), "login");
  amqp_channel_open(conn, 1);
  check_reply(amqp_get_rpc_reply(conn), "channel.open");
  return conn;
}

static void *publisher(void *unused) {
  (void)unused;
  amqp_connection_state_t conn = open_connection();
  amqp_confirm_select(conn, 1);
  check_reply(amqp_get_rpc_reply(conn), "confirm.select");
  char *body = malloc(size);
  memset(body, 'x', size);
  amqp_bytes_t payload = {(size_t)size, body};
  amqp_basic_properties_t props;
  props._flags = AMQP_BASIC_DELIVERY_MODE_FLAG | AMQP_BASIC_CONTENT_TYPE_FLAG;
  props.delivery_mode = 2;
  props.content_type = amqp_cstring_bytes("application/octet-stream");
  char *acked = calloc(messages + 1, 1);
  uint64_t lowest_unacked = 1;
  int published = 0, confirmed = 0;
  while (confirmed < messages) {
    while (published < messages && published - confirmed < window) {
      if (amqp_basic_publish(conn, 1, amqp_cstring_bytes(""), amqp_cstring_bytes(queue), 0, 0, &props, payload) !=
          AMQP_STATUS_OK)
        fail("basic.publish");
      published++;
    }
    amqp_frame_t frame;
    struct timeval zero = {0, 0};
    int blocking = 1;
    for (;;) {
      int status = blocking ? amqp_simple_wait_frame(conn, &frame) : amqp_simple_wait_frame_noblock(conn, &frame, &zero);
      if (status == AMQP_STATUS_TIMEOUT) break;
      if (status != AMQP_STATUS_OK) fail("reading confirms");
      blocking = 0;
      if (frame.frame_type != AMQP_FRAME_METHOD) continue;
      if (frame.payload.method.id == AMQP_BASIC_ACK_METHOD) {
        amqp_basic_ack_t *ack = frame.payload.method.decoded;
        uint64_t first = ack->multiple ? lowest_unacked : ack->delivery_tag;
        for (uint64_t tag = first; tag <= ack->delivery_tag; tag++) {
          if (!acked[tag]) {
            acked[tag] = 1;
            confirmed++;
          }
        }
        while (lowest_unacked <= (uint64_t)messages && acked[lowest_unacked]) lowest_unacked++;
      } else if (frame.payload.method.id == AMQP_BASIC_NACK_METHOD) {
        fail("a publish was nacked");
      }
    }
  }
  amqp_channel_close(conn, 1, AMQP_REPLY_SUCCESS);
  amqp_connection_close(conn, AMQP_REPLY_SUCCESS);
  amqp_destroy_connection(conn);
  free(acked);
  free(body);
  return NULL;
}

int main(int argc, char **argv) {
  if (argc != 10) {
    fprintf(stderr, "usage: amqp_loop HOST PORT USER PASSWORD QUEUE MESSAGES SIZE WINDOW PREFETCH\n");
    return 2;
  }
  host = argv[1];
  port = atoi(argv[2]);
  user = argv[3];
  password = argv[4];
  queue = argv[5];
  messages = atoi(argv[6]);
  size = atoi(argv[7]);
  window = atoi(argv[8]);
  prefetch = atoi(argv[9]);

  amqp_connection_state_t conn = open_connection();
  amqp_basic_qos(conn, 1, 0, (uint16_t)prefetch, 0);
  check_reply(amqp_get_rpc_reply(conn), "basic.qos");
  amqp_basic_consume(conn, 1, amqp_cstring_bytes(queue), amqp_empty_bytes, 0, 0, 0, amqp_empty_table);
  check_reply(amqp_get_rpc_reply(conn), "basic.consume");

  double start = now_seconds();
  pthread_t thread;
  pthread_create(&thread, NULL, publisher, NULL);
  int consumed = 0;
  while (consumed < messages) {
    amqp_envelope_t envelope;
    amqp_maybe_release_buffers(conn);
    amqp_rpc_reply_t reply = amqp_consume_message(conn, &envelope, NULL, 0);
    if (reply.reply_type != AMQP_RESPONSE_NORMAL) fail("consuming");
    if (amqp_basic_ack(conn, 1, envelope.delivery_tag, 0) != AMQP_STATUS_OK) fail("basic.ack");
    amqp_destroy_envelope(&envelope);
    consumed++;
  }
  double elapsed = now_seconds() - start;
  pthread_join(thread, NULL);
  printf("c amqp: %d messages of %d bytes, window %d, prefetch %d: %.0f msg/s\n", messages, size, window, prefetch,
         messages / elapsed);
  amqp_channel_close(conn, 1, AMQP_REPLY_SUCCESS);
  amqp_connection_close(conn, AMQP_REPLY_SUCCESS);
  amqp_destroy_connection(conn);
  return 0;
}
