// Alipay's official Node.js SDK (npm alipay-sdk) checks notifications and answers.
// Called by make_vectors.py: reads {app_id, app_private_key, alipay_public_key,
// notifications: [{params}], responses: [{body, response_key}]} on stdin, prints
// {notifications: [{check_notify_sign, check_notify_sign_v2}], responses: [bool]}.
import { AlipaySdk } from 'alipay-sdk';

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const input = JSON.parse(Buffer.concat(chunks).toString('utf8'));

const sdk = new AlipaySdk({
  appId: input.app_id,
  privateKey: input.app_private_key,
  alipayPublicKey: input.alipay_public_key,
});

const notifications = input.notifications.map(({ params }) => ({
  check_notify_sign: sdk.checkNotifySign({ ...params }),
  check_notify_sign_v2: sdk.checkNotifySignV2({ ...params }),
}));

const responses = input.responses.map(({ body, response_key }) => {
  const sign = JSON.parse(body).sign;
  try {
    sdk.checkResponseSign(body, response_key, sign, 'vectors');
    return true;
  } catch {
    return false;
  }
});

process.stdout.write(JSON.stringify({ notifications, responses }));
