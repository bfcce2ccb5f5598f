//! The TFLite backend: writes a tqopt IR module as a `.tflite` flatbuffer that the LiteRT
//! interpreter loads (buffer 0 empty, 16-byte aligned buffers, versioned operator codes).
