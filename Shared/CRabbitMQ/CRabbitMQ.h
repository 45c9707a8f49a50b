#ifndef CRABBITMQ_H
#define CRABBITMQ_H
/* librabbitmq for Swift. Only what Swift cannot call or import directly is wrapped here:
 * the variadic login, and method/flag macros that are casts (which Swift does not import). */
#include <amqp.h>
#include <amqp_framing.h>
#include <amqp_tcp_socket.h>
#include <amqp_ssl_socket.h>

/* amqp_login_with_properties with SASL PLAIN: amqp_login is variadic, which Swift cannot call. */
static inline amqp_rpc_reply_t CRabbitMQ_login_plain(amqp_connection_state_t state, const char *vhost,
                                                     int channel_max, int frame_max, int heartbeat,
                                                     const amqp_table_t *client_properties,
                                                     const char *user, const char *password) {
  return amqp_login_with_properties(state, vhost, channel_max, frame_max, heartbeat, client_properties,
                                    AMQP_SASL_METHOD_PLAIN, user, password);
}

static const amqp_method_number_t CRabbitMQ_CONNECTION_CLOSE_METHOD = AMQP_CONNECTION_CLOSE_METHOD;
static const amqp_method_number_t CRabbitMQ_CONNECTION_BLOCKED_METHOD = AMQP_CONNECTION_BLOCKED_METHOD;
static const amqp_method_number_t CRabbitMQ_CONNECTION_UNBLOCKED_METHOD = AMQP_CONNECTION_UNBLOCKED_METHOD;
static const amqp_method_number_t CRabbitMQ_CHANNEL_CLOSE_METHOD = AMQP_CHANNEL_CLOSE_METHOD;
static const amqp_method_number_t CRabbitMQ_CHANNEL_CLOSE_OK_METHOD = AMQP_CHANNEL_CLOSE_OK_METHOD;
static const amqp_method_number_t CRabbitMQ_CONNECTION_CLOSE_OK_METHOD = AMQP_CONNECTION_CLOSE_OK_METHOD;
static const amqp_method_number_t CRabbitMQ_BASIC_ACK_METHOD = AMQP_BASIC_ACK_METHOD;
static const amqp_method_number_t CRabbitMQ_BASIC_NACK_METHOD = AMQP_BASIC_NACK_METHOD;
static const amqp_method_number_t CRabbitMQ_BASIC_RETURN_METHOD = AMQP_BASIC_RETURN_METHOD;
static const amqp_method_number_t CRabbitMQ_BASIC_DELIVER_METHOD = AMQP_BASIC_DELIVER_METHOD;
static const amqp_method_number_t CRabbitMQ_BASIC_CANCEL_METHOD = AMQP_BASIC_CANCEL_METHOD;

static const amqp_flags_t CRabbitMQ_FLAG_CONTENT_TYPE = AMQP_BASIC_CONTENT_TYPE_FLAG;
static const amqp_flags_t CRabbitMQ_FLAG_CONTENT_ENCODING = AMQP_BASIC_CONTENT_ENCODING_FLAG;
static const amqp_flags_t CRabbitMQ_FLAG_HEADERS = AMQP_BASIC_HEADERS_FLAG;
static const amqp_flags_t CRabbitMQ_FLAG_DELIVERY_MODE = AMQP_BASIC_DELIVERY_MODE_FLAG;
static const amqp_flags_t CRabbitMQ_FLAG_PRIORITY = AMQP_BASIC_PRIORITY_FLAG;
static const amqp_flags_t CRabbitMQ_FLAG_CORRELATION_ID = AMQP_BASIC_CORRELATION_ID_FLAG;
static const amqp_flags_t CRabbitMQ_FLAG_REPLY_TO = AMQP_BASIC_REPLY_TO_FLAG;
static const amqp_flags_t CRabbitMQ_FLAG_EXPIRATION = AMQP_BASIC_EXPIRATION_FLAG;
static const amqp_flags_t CRabbitMQ_FLAG_MESSAGE_ID = AMQP_BASIC_MESSAGE_ID_FLAG;
static const amqp_flags_t CRabbitMQ_FLAG_TIMESTAMP = AMQP_BASIC_TIMESTAMP_FLAG;
static const amqp_flags_t CRabbitMQ_FLAG_TYPE = AMQP_BASIC_TYPE_FLAG;
static const amqp_flags_t CRabbitMQ_FLAG_USER_ID = AMQP_BASIC_USER_ID_FLAG;
static const amqp_flags_t CRabbitMQ_FLAG_APP_ID = AMQP_BASIC_APP_ID_FLAG;

#endif
