/**
 * Reading a server-sent-events response body: yields each `data:` payload
 * parsed as JSON, and stops at `data: [DONE]`. Used by the CLI's chat over
 * HTTP and by the serving benchmark; OpenAI's SDK does the same for its users.
 */
export async function* sseJson<T = unknown>(body: ReadableStream<Uint8Array>): AsyncGenerator<T> {
  const dec = new TextDecoder();
  let buf = '';
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buf += dec.decode(chunk, { stream: true });
    let cut: number;
    while ((cut = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, cut);
      buf = buf.slice(cut + 2);
      for (const line of block.split('\n')) {
        if (!line.startsWith('data:')) continue;
        const data = line.slice(5).trimStart();
        if (data === '[DONE]') return;
        yield JSON.parse(data) as T;
      }
    }
  }
}
