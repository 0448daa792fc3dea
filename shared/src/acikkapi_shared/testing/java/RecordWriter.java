import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Writes the records described on standard input with Apache Kafka's own Java client and its ordinary
 * settings (only the codec and, for transactions, a transactional id are set), so tests see what other
 * producers really write. One command a line; bytes are hex, "-" is null:
 *   open BOOTSTRAP CODEC TRANSACTIONAL_ID|-
 *   send TOPIC PARTITION KEY|- VALUE|- [NAME=VALUE|- ...]   (header names hex of UTF-8 text)
 *   begin | commit | abort
 */
public final class RecordWriter {
    private static final HexFormat HEX = HexFormat.of();

    public static void main(String[] args) throws Exception {
        KafkaProducer<byte[], byte[]> producer = null;
        BufferedReader input = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = input.readLine()) != null; ) {
            String[] field = line.trim().split(" ");
            switch (field[0]) {
                case "open" -> {
                    if (producer != null) {
                        producer.close();
                    }
                    producer = open(field[1], field[2], field[3]);
                }
                case "send" -> {
                    ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(
                        field[1], Integer.parseInt(field[2]), bytes(field[3]), bytes(field[4]));
                    for (int i = 5; i < field.length; i++) {
                        String[] header = field[i].split("=", 2);
                        String name = new String(HEX.parseHex(header[0]), StandardCharsets.UTF_8);
                        record.headers().add(name, bytes(header[1]));
                    }
                    // Waiting for each acknowledgement makes every record its own batch, in this codec.
                    producer.send(record).get();
                }
                case "begin" -> producer.beginTransaction();
                case "commit" -> producer.commitTransaction();
                case "abort" -> producer.abortTransaction();
                default -> throw new IllegalArgumentException("unknown command: " + field[0]);
            }
        }
        if (producer != null) {
            producer.close();
        }
    }

    private static KafkaProducer<byte[], byte[]> open(String bootstrap, String codec, String transactionalId) {
        Properties settings = new Properties();
        settings.put("bootstrap.servers", bootstrap);
        settings.put("compression.type", codec);
        settings.put("key.serializer", ByteArraySerializer.class.getName());
        settings.put("value.serializer", ByteArraySerializer.class.getName());
        if (!transactionalId.equals("-")) {
            settings.put("transactional.id", transactionalId);
        }
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(settings);
        if (!transactionalId.equals("-")) {
            producer.initTransactions();
        }
        return producer;
    }

    private static byte[] bytes(String text) {
        return text.equals("-") ? null : HEX.parseHex(text);
    }
}
