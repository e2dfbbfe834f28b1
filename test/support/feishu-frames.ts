// The binary frames of Feishu's long connection (`pbbp2.Frame`), as the node SDK's WSClient speaks them.
//
// Schema (proto2), as generated into @larksuiteoapi/node-sdk 1.74 lib/index.js L.101274–101957:
//   message Header { required string key = 1; required string value = 2; }
//   message Frame  { required uint64 SeqID = 1; required uint64 LogID = 2; required int32 service = 3;
//                    required int32 method = 4; repeated Header headers = 5; optional string payload_encoding = 6;
//                    optional string payload_type = 7; optional bytes payload = 8; optional string LogIDNew = 9; }
// The SDK's generated code names fields 6 and 7 `payloadEncoding` / `payloadType`; only the numbers matter on the wire.
import protobuf from 'protobufjs';

/** `method` of a frame. */
export const FrameMethod = { control: 0, data: 1 } as const;

export interface FrameHeader {
  key: string;
  value: string;
}

export interface Frame {
  SeqID: number;
  LogID: number;
  service: number;
  method: number;
  headers: FrameHeader[];
  payloadEncoding?: string;
  payloadType?: string;
  payload?: Uint8Array;
  LogIDNew?: string;
}

const { Field, Root, Type } = protobuf;

const HeaderType = new Type('Header')
  .add(new Field('key', 1, 'string', 'required'))
  .add(new Field('value', 2, 'string', 'required'));

const FrameType = new Type('Frame')
  .add(new Field('SeqID', 1, 'uint64', 'required'))
  .add(new Field('LogID', 2, 'uint64', 'required'))
  .add(new Field('service', 3, 'int32', 'required'))
  .add(new Field('method', 4, 'int32', 'required'))
  .add(new Field('headers', 5, 'Header', 'repeated'))
  .add(new Field('payloadEncoding', 6, 'string', 'optional'))
  .add(new Field('payloadType', 7, 'string', 'optional'))
  .add(new Field('payload', 8, 'bytes', 'optional'))
  .add(new Field('LogIDNew', 9, 'string', 'optional'));

new Root().define('pbbp2').add(HeaderType).add(FrameType);

export function encodeFrame(frame: Frame): Uint8Array {
  return FrameType.encode(FrameType.fromObject(frame)).finish();
}

export function decodeFrame(bytes: Uint8Array): Frame {
  const message = FrameType.decode(bytes);
  // `longs: Number` turns uint64 into plain numbers whether or not protobufjs found the `long` package.
  const object = FrameType.toObject(message, { longs: Number, defaults: true, arrays: true }) as Frame;
  return object;
}

/** The headers of a frame as a plain record (a later duplicate key wins, as in the SDK). */
export function frameHeaders(frame: Frame): Record<string, string> {
  const result: Record<string, string> = {};
  for (const { key, value } of frame.headers ?? []) result[key] = value;
  return result;
}

export function header(key: string, value: string | number): FrameHeader {
  return { key, value: String(value) };
}
